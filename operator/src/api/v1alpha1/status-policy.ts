// The status subresource is the control channel of armies and releases: the plugin and the dashboard
// write status.control, the operator answers in status.lastControl. Everything else in status is the
// operator's record of progress (step, weight, analysis, colors) that a restarted operator resumes from,
// so nobody else may change it. This renders a ValidatingAdmissionPolicy that lets any identity other than
// the operator's ServiceAccount (and cluster admins, system:masters) change only status.control — built
// from the zod status schemas, so a new status field is protected the day it is added.
import { stringify } from 'yaml';
import { AgentArmyStatus } from './agent-army.js';
import { CanaryReleaseStatus } from './canary-release.js';
import { GROUP, KINDS } from './common.js';

/** Status fields a user may write: the control request. */
export const USER_WRITABLE_STATUS = ['control'] as const;

/**
 * CEL: `field` of status is the same in both objects. A field with a default (the apiserver fills it in
 * when a status is first written) counts as its default when absent, so a user's first control request
 * on an object whose status is still empty is not refused for the defaults that come with it.
 */
export function unchangedExpression(field: string, defaultValue?: string | number | boolean): string {
  const inNew = `(has(object.status) && has(object.status.${field}))`;
  const inOld = `(has(oldObject.status) && has(oldObject.status.${field}))`;
  if (defaultValue !== undefined) {
    const d = JSON.stringify(defaultValue).replaceAll('"', "'");
    return `(${inNew} ? object.status.${field} : ${d}) == (${inOld} ? oldObject.status.${field} : ${d})`;
  }
  return `${inNew} == ${inOld} && (!${inNew} || object.status.${field} == oldObject.status.${field})`;
}

/** The default of a status field when it is a string, number or boolean (zod `.default(...)`). */
function primitiveDefault(schema: unknown): string | number | boolean | undefined {
  const def = (schema as { _zod?: { def?: { type?: string; defaultValue?: unknown } } })._zod?.def;
  if (def?.type !== 'default') return undefined;
  const v = def.defaultValue;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

/** The status fields of a kind that only the operator writes, from its zod schema. */
export function operatorOwnedFields(status: { shape: Record<string, unknown> }): string[] {
  return Object.keys(status.shape)
    .filter((f) => !(USER_WRITABLE_STATUS as readonly string[]).includes(f))
    .sort();
}

const KINDS_WITH_CONTROL = [
  { resource: KINDS.AgentArmy.plural, status: AgentArmyStatus },
  { resource: KINDS.CanaryRelease.plural, status: CanaryReleaseStatus },
];

/** One validation per kind: the request is for that kind, or every operator-owned field is unchanged. */
export function statusValidations(): { expression: string; message: string; reason: string }[] {
  return KINDS_WITH_CONTROL.map(({ resource, status }) => {
    const fields = operatorOwnedFields(status);
    const shape: Record<string, unknown> = status.shape;
    const unchanged = fields.map((f) => `(${unchangedExpression(f, primitiveDefault(shape[f]))})`);
    return {
      expression: `request.resource.resource != '${resource}' || (${unchanged.join(' && ')})`,
      message: `only status.control of ${resource} may be written by users (the operator owns ${fields.map((f) => `status.${f}`).join(', ')}); use kubectl agentarmy or the dashboard`,
      reason: 'Forbidden',
    };
  });
}

/**
 * The chart template (Helm placeholders for names and the operator's ServiceAccount). Written by
 * `make generate` to charts/agent-army/templates/status-policy.yaml.
 */
export function renderStatusPolicyTemplate(): string {
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: '__NAME__', labels: '__LABELS__' },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [GROUP],
            apiVersions: ['*'],
            operations: ['UPDATE'],
            resources: KINDS_WITH_CONTROL.map((k) => `${k.resource}/status`),
          },
        ],
      },
      matchConditions: [
        { name: 'not-the-operator', expression: `request.userInfo.username != '__OPERATOR__'` },
        { name: 'not-a-cluster-admin', expression: "!('system:masters' in request.userInfo.groups)" },
      ],
      validations: statusValidations(),
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: '__NAME__', labels: '__LABELS__' },
    spec: { policyName: '__NAME__', validationActions: ['Deny'] },
  };
  const yaml = (o: unknown) => stringify(o, { lineWidth: 0 });
  const fill = (text: string) =>
    text
      .replaceAll('__NAME__', '{{ include "agent-army.clusterName" . }}-status')
      .replaceAll(
        '__OPERATOR__',
        'system:serviceaccount:{{ .Release.Namespace }}:{{ include "agent-army.serviceAccountName" . }}',
      )
      .replace(/labels: __LABELS__/g, 'labels:\n    {{- include "agent-army.labels" . | nindent 4 }}');
  // With watchNamespaces the binding covers only those namespaces: another installation of the chart for
  // other namespaces (its own operator, its own policy) is not refused by this one.
  const scope = [
    '  {{- with .Values.watchNamespaces }}',
    '  matchResources:',
    '    namespaceSelector:',
    '      matchExpressions:',
    '        - key: kubernetes.io/metadata.name',
    '          operator: In',
    '          values: {{ toJson . }}',
    '  {{- end }}',
  ];
  return [
    '{{- /* Generated from the zod status schemas by `make generate` (operator/src/api/v1alpha1/status-policy.ts); do not edit. */ -}}',
    '{{- if .Values.statusPolicy.enabled }}',
    fill(yaml(policy)).trimEnd(),
    '---',
    fill(yaml(binding)).trimEnd(),
    ...scope,
    '{{- end }}',
    '',
  ].join('\n');
}
