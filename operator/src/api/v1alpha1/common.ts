// Constants and building blocks shared by the three kinds. Every pattern here must be valid for both
// ECMAScript (zod) and RE2 (the apiserver): no lookarounds, no backreferences.
import { z } from 'zod';
import { mapList, withRules } from './rules.js';

export const GROUP = 'agentarmy.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
/**
 * `kubectl get agent-army` lists all three kinds. Not "agentarmy": kubectl expands categories before
 * resource names, so that category would shadow the AgentArmy singular (`kubectl get agentarmy x` fails).
 */
export const CATEGORY = 'agent-army';

export const KINDS = {
  AgentVersion: {
    kind: 'AgentVersion',
    plural: 'agentversions',
    singular: 'agentversion',
    shortNames: ['av'],
  },
  AgentArmy: { kind: 'AgentArmy', plural: 'agentarmies', singular: 'agentarmy', shortNames: ['army'] },
  CanaryRelease: {
    kind: 'CanaryRelease',
    plural: 'canaryreleases',
    singular: 'canaryrelease',
    shortNames: ['crel'],
  },
} as const;
export type KindName = keyof typeof KINDS;

export const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Strict semver 2.0.0 (no leading "v"), written without lookarounds so RE2 accepts it. */
export const SEMVER_PATTERN =
  /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/;
/** Go-style duration restricted to ms, s, m, h: "500ms", "30s", "5m", "1h30m". */
export const DURATION_PATTERN = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
/** Kubernetes resource.Quantity. */
export const QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
export const HTTP_URL_PATTERN = /^https?:\/\/[^\s/?#]+([/?#][^\s]*)?$/;
export const ENV_NAME_PATTERN = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export const dnsLabel = () => z.string().min(1).max(63).regex(DNS_LABEL_PATTERN);
export const dnsSubdomain = () => z.string().min(1).max(253).regex(DNS_SUBDOMAIN_PATTERN);
export const semver = () => z.string().min(5).max(128).regex(SEMVER_PATTERN);
export const duration = () => z.string().min(2).max(32).regex(DURATION_PATTERN);
export const httpURL = () => z.string().min(8).max(2048).regex(HTTP_URL_PATTERN);
/** RFC 3339 timestamp as Kubernetes writes it (status only). */
export const timestamp = () => z.iso.datetime({ offset: true }).meta({ format: 'date-time' });

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration accepted by `duration()`; throws on anything else. */
export function parseDuration(value: string): number {
  if (!DURATION_PATTERN.test(value))
    throw new Error(`invalid duration "${value}" (expected e.g. 30s, 5m, 1h30m)`);
  let total = 0;
  for (const m of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * (DURATION_UNITS_MS[m[2] ?? ''] ?? 0);
  }
  return Math.round(total);
}

/** An integer or a string (Kubernetes IntOrString); the CRD gets `x-kubernetes-int-or-string`. */
export function intOrString(int: z.ZodInt, str: z.ZodString) {
  return z.union([int, str]).meta({ 'x-kubernetes-int-or-string': true });
}

export const Quantity = intOrString(z.int().min(0), z.string().max(64).regex(QUANTITY_PATTERN)).describe(
  'A Kubernetes quantity, e.g. 500m, 256Mi, 2.',
);

export const ResourceList = z
  .record(z.string().max(253), Quantity)
  .describe('Resource name (cpu, memory, ephemeral-storage, …) to quantity.');

export const ResourceRequirements = z
  .object({
    requests: ResourceList.optional().describe(
      'Minimum resources the scheduler reserves for each agent pod.',
    ),
    limits: ResourceList.optional().describe('Maximum resources each agent pod may use.'),
  })
  .describe('Compute resources of the agent container, as in a Pod spec.');
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const SecretKeySelector = z
  .object({
    name: dnsSubdomain().describe('Name of a Secret in the same namespace.'),
    key: z.string().min(1).max(253).describe('Key inside the Secret.'),
  })
  .describe('A key of a Secret in the same namespace.');
export type SecretKeySelector = z.infer<typeof SecretKeySelector>;

export const ConfigMapKeySelector = z
  .object({
    name: dnsSubdomain().describe('Name of a ConfigMap in the same namespace.'),
    key: z.string().min(1).max(253).describe('Key inside the ConfigMap.'),
  })
  .describe('A key of a ConfigMap in the same namespace.');
export type ConfigMapKeySelector = z.infer<typeof ConfigMapKeySelector>;

export const EnvVar = withRules(
  z.object({
    name: z.string().min(1).max(256).regex(ENV_NAME_PATTERN).describe('Environment variable name.'),
    value: z.string().max(32768).optional().describe('Literal value. Exactly one of value and valueFrom.'),
    valueFrom: withRules(
      z.object({
        secretKeyRef: SecretKeySelector.optional().describe('Take the value from a Secret key.'),
        configMapKeyRef: ConfigMapKeySelector.optional().describe('Take the value from a ConfigMap key.'),
      }),
      [
        {
          rule: 'has(self.secretKeyRef) != has(self.configMapKeyRef)',
          message: 'exactly one of secretKeyRef and configMapKeyRef must be set',
          check: (v) => (v.secretKeyRef === undefined) !== (v.configMapKeyRef === undefined),
        },
      ],
    )
      .describe('Take the value from a Secret or ConfigMap key (exactly one).')
      .optional(),
  }),
  [
    {
      rule: '!(has(self.value) && has(self.valueFrom))',
      message: 'value and valueFrom are mutually exclusive',
      check: (v) => v.value === undefined || v.valueFrom === undefined,
    },
  ],
).describe('An environment variable of the agent container.');
export type EnvVar = z.infer<typeof EnvVar>;

export const EnvList = mapList(EnvVar, 'name', { max: 128 }).describe(
  'Environment variables of the agent container, unique by name.',
);

/** The subset of Kubernetes ObjectMeta the operator reads; other fields pass through untouched. */
export const ObjectMeta = z
  .object({
    name: z.string().optional().describe('Object name.'),
    namespace: z.string().optional().describe('Object namespace.'),
    uid: z.string().optional().describe('Object UID.'),
    resourceVersion: z.string().optional().describe('Opaque version for optimistic concurrency.'),
    generation: z.int().optional().describe('Incremented by the apiserver on every spec change.'),
    creationTimestamp: z.string().optional().describe('When the object was created.'),
    deletionTimestamp: z.string().optional().describe('When deletion was requested.'),
    labels: z.record(z.string(), z.string()).optional().describe('Labels.'),
    annotations: z.record(z.string(), z.string()).optional().describe('Annotations.'),
  })
  .loose()
  .describe('Standard object metadata.');
export type ObjectMeta = z.infer<typeof ObjectMeta>;
