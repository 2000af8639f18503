import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from './config.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1.5s', 1500],
    ['0', 0],
    ['15', undefined],
    ['15 s', undefined],
    ['abc', undefined],
  ])('%s → %s', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });
});

describe('loadConfig', () => {
  it('uses defaults when nothing is given', () => {
    const c = loadConfig([], {});
    expect(c).toMatchObject({
      namespaces: [],
      concurrency: 4,
      metricsPort: 8080,
      metricsBindAddress: '0.0.0.0',
      leaderElect: true,
      leaseName: 'agent-army-operator',
      leaseNamespace: 'default',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      logLevel: 'info',
      resyncPeriodMs: 600_000,
    });
    expect(c.kubeconfig).toBeUndefined();
  });

  it('reads env and lets flags win over env', () => {
    const c = loadConfig(['--concurrency=8', '--namespaces', 'a, b'], {
      AGENT_ARMY_CONCURRENCY: '2',
      AGENT_ARMY_LEADER_ELECT: 'false',
      POD_NAME: 'op-0',
      POD_NAMESPACE: 'agent-army-system',
      KUBECONFIG: '/tmp/kc',
    });
    expect(c).toMatchObject({
      concurrency: 8,
      namespaces: ['a', 'b'],
      leaderElect: false,
      identity: 'op-0',
      leaseNamespace: 'agent-army-system',
      kubeconfig: '/tmp/kc',
    });
  });

  it.each([
    [['--concurrency=0'], {}, '--concurrency (got "0"): must be at least 1'],
    [
      [],
      { AGENT_ARMY_CONCURRENCY: 'lots' },
      'env AGENT_ARMY_CONCURRENCY (got "lots"): must be a whole number',
    ],
    [['--metrics-port=70000'], {}, '--metrics-port (got "70000"): must be at most 65535'],
    [['--lease-duration=15'], {}, '--lease-duration (got "15"): "15" is not a duration'],
    [['--log-level=loud'], {}, '--log-level (got "loud")'],
    [['--namespaces=Bad_NS'], {}, '--namespaces (got "Bad_NS"): must be a comma-separated list'],
    [['--renew-deadline=20s'], {}, '--renew-deadline (got "20s"): must be shorter than the lease duration'],
    [['--retry-period=10s'], {}, '--retry-period (got "10s"): must be shorter than the renew deadline'],
    [['--leader-elect=maybe'], {}, '--leader-elect (got "maybe")'],
    [['--no-such-flag=1'], {}, "invalid command line: Unknown option '--no-such-flag'"],
    [
      ['--metrics-address-allowlist=http://prom:9090,ftp://x'],
      {},
      '--metrics-address-allowlist (got "http://prom:9090,ftp://x"): must be comma-separated http(s) URLs',
    ],
    [
      [],
      { AGENT_ARMY_PROMETHEUS_ADDRESS: 'http://u:p@prom:9090' },
      'env AGENT_ARMY_PROMETHEUS_ADDRESS (got "http://u:p@prom:9090"): must be an http(s) URL without credentials',
    ],
    [['--api-request-timeout=5'], {}, '--api-request-timeout (got "5"): "5" is not a duration'],
  ])('rejects %j %j naming the source', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(ConfigError);
    expect(() => loadConfig(argv, env)).toThrow(message);
  });

  it('reads the metrics policy and the request and reconcile deadlines', () => {
    const c = loadConfig(
      [
        '--metrics-address-allowlist=http://prom:9090, https://thanos.monitoring',
        '--default-prometheus-address=http://prom:9090',
        '--metrics-max-answer-bytes=2048',
        '--api-request-timeout=10s',
        '--reconcile-timeout=1m',
      ],
      {},
    );
    expect(c).toMatchObject({
      metricsAllowlist: ['http://prom:9090', 'https://thanos.monitoring'],
      defaultPrometheusAddress: 'http://prom:9090',
      metricsMaxAnswerBytes: 2048,
      apiTimeoutMs: 10_000,
      reconcileTimeoutMs: 60_000,
    });
    expect(loadConfig([], {})).toMatchObject({ metricsAllowlist: [], metricsMaxAnswerBytes: 1024 * 1024 });
  });

  it('treats * as all namespaces', () => {
    expect(loadConfig(['--namespaces=*'], {}).namespaces).toEqual([]);
  });
});
