// The objects that run the test dataplane as a pod on the real node: a GatewayClass naming its
// controllerName, a Gateway, RBAC to read routes and Services and write route status, the dataplane's
// compiled modules in a ConfigMap (run by the Node of the dev-tools image, so no extra image is built),
// the pod, and two Services in front of it (`gateway`, and `gateway-mirror` for routes that select it by
// hostname).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../support/cluster.js';
import { imageRefs, ON_REAL_NODE } from '../support/real-node.js';
import { CONTROLLER_NAME } from './route-status.js';

export const GATEWAY_CLASS = 'agent-army-test-dataplane';
export const GATEWAY_NAME = 'gateway';
/** Services in front of the dataplane pod; HTTP on port 80. */
export const GATEWAY_SERVICES = ['gateway', 'gateway-mirror'] as const;
const MODULES = ['main', 'dataplane', 'routing', 'route-status', 'kube-rest'];

/** The dataplane's modules transpiled to ESM JavaScript (one file each, no dependency but Node's own). */
export function dataplaneModules(): Record<string, string> {
  const out: Record<string, string> = { 'package.json': JSON.stringify({ type: 'module' }) };
  for (const m of MODULES) {
    const source = readFileSync(join(repoRoot, 'test/gateway', `${m}.ts`), 'utf8');
    out[`${m}.js`] = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
  }
  return out;
}

export function gatewayManifests(ns: string, image = imageRefs().devTools): unknown[] {
  const labels = { app: 'gateway' };
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: GATEWAY_CLASS },
      spec: { controllerName: CONTROLLER_NAME },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: GATEWAY_NAME, namespace: ns },
      spec: {
        gatewayClassName: GATEWAY_CLASS,
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
        ],
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gateway', namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'gateway', namespace: ns },
      rules: [
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'list'] },
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes/status'], verbs: ['patch'] },
        { apiGroups: [''], resources: ['services'], verbs: ['list'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'gateway', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gateway' },
      subjects: [{ kind: 'ServiceAccount', name: 'gateway', namespace: ns }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'gateway-dataplane', namespace: ns },
      data: dataplaneModules(),
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'gateway', namespace: ns, labels },
      spec: {
        ...ON_REAL_NODE,
        serviceAccountName: 'gateway',
        securityContext: { runAsNonRoot: true, runAsUser: 1000 },
        containers: [
          {
            name: 'dataplane',
            image,
            command: ['node', '/dataplane/main.js'],
            env: [
              { name: 'GATEWAY_NAME', value: GATEWAY_NAME },
              { name: 'GATEWAY_NAMESPACE', value: ns },
              { name: 'NODE_EXTRA_CA_CERTS', value: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
            ],
            ports: [
              { name: 'http', containerPort: 8080 },
              { name: 'admin', containerPort: 8081 },
            ],
            readinessProbe: { httpGet: { path: '/healthz', port: 'admin' }, periodSeconds: 1 },
            volumeMounts: [{ name: 'dataplane', mountPath: '/dataplane', readOnly: true }],
          },
        ],
        volumes: [{ name: 'dataplane', configMap: { name: 'gateway-dataplane' } }],
      },
    },
    ...GATEWAY_SERVICES.map((name) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    })),
  ];
}
