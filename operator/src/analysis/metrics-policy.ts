// What the cluster admin allows analysis to talk to (operator flags, set by the chart): the metrics
// addresses a release may name (with its authSecretRef credential), the default address for releases that
// name none, and the largest answer read. Set once at start-up; tests set their own.

export interface MetricsPolicy {
  /** http(s) URL prefixes a release's address must fall under; empty allows any address. */
  allowlist: string[];
  /** Used when a release names no address; always allowed. */
  defaultAddress?: string;
  /** Answers above this many bytes are refused (the rest is never read). */
  maxAnswerBytes: number;
}

export const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;

let current: MetricsPolicy = { allowlist: [], maxAnswerBytes: DEFAULT_MAX_ANSWER_BYTES };

export function setMetricsPolicy(policy: MetricsPolicy): void {
  current = policy;
}

export function metricsPolicy(): MetricsPolicy {
  return current;
}

/** The policy from the operator's flags (--metrics-address-allowlist, --default-prometheus-address, …). */
export function metricsPolicyFrom(config: {
  metricsAllowlist: string[];
  defaultPrometheusAddress?: string | undefined;
  metricsMaxAnswerBytes: number;
}): MetricsPolicy {
  return {
    allowlist: config.metricsAllowlist,
    ...(config.defaultPrometheusAddress ? { defaultAddress: config.defaultPrometheusAddress } : {}),
    maxAnswerBytes: config.metricsMaxAnswerBytes,
  };
}

interface Origin {
  protocol: string;
  host: string;
  port: string;
  path: string;
}

function origin(address: string): Origin | undefined {
  try {
    const u = new URL(address);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
    return { protocol: u.protocol, host: u.hostname.toLowerCase(), port, path };
  } catch {
    return undefined;
  }
}

/**
 * Why `address` may not be queried under `policy` (undefined: it may). An address is allowed when it is
 * the default one, or has the scheme, host and port of an allowlist entry and a path under its path.
 */
export function addressRefusal(address: string, policy: MetricsPolicy): string | undefined {
  if (policy.allowlist.length === 0 || address === policy.defaultAddress) return undefined;
  const a = origin(address);
  if (!a) return `provider.prometheus.address "${address}" is not an http(s) URL`;
  const allowed = policy.allowlist.some((entry) => {
    const e = origin(entry);
    return (
      e && e.protocol === a.protocol && e.host === a.host && e.port === a.port && a.path.startsWith(e.path)
    );
  });
  return allowed
    ? undefined
    : `provider.prometheus.address ${a.protocol}//${a.host}:${a.port} is not among the metrics addresses the cluster admin allows (operator flag --metrics-address-allowlist)`;
}
