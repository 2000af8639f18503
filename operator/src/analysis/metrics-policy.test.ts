import { describe, expect, it } from 'vitest';
import { addressRefusal, type MetricsPolicy } from './metrics-policy.js';

const policy = (allowlist: string[], defaultAddress?: string): MetricsPolicy => ({
  allowlist,
  ...(defaultAddress ? { defaultAddress } : {}),
  maxAnswerBytes: 1024,
});

describe('addressRefusal', () => {
  it.each([
    ['any address with an empty allowlist', policy([]), 'http://evil.example:9090', true],
    [
      'the same origin',
      policy(['http://prometheus.monitoring:9090']),
      'http://prometheus.monitoring:9090',
      true,
    ],
    ['a path under the entry', policy(['http://prom:9090/team-a']), 'http://prom:9090/team-a/', true],
    ['default ports spelled out or not', policy(['http://prom']), 'http://prom:80/x', true],
    ['host names case-insensitively', policy(['http://Prom:9090']), 'http://prom:9090', true],
    [
      'the default address, whatever the list',
      policy(['http://a:1'], 'http://default:9090'),
      'http://default:9090',
      true,
    ],
    ['another host', policy(['http://prom:9090']), 'http://evil:9090', false],
    ['another port', policy(['http://prom:9090']), 'http://prom:9091', false],
    ['another scheme', policy(['https://prom:9090']), 'http://prom:9090', false],
    ['a sibling path', policy(['http://prom:9090/team-a']), 'http://prom:9090/team-ab', false],
    ['a host that merely starts like the entry', policy(['http://prom']), 'http://prom.evil.example', false],
  ])('%s → allowed %s', (_what, p, address, allowed) => {
    expect(addressRefusal(address, p) === undefined).toBe(allowed);
  });

  it('says which address and which flag', () => {
    expect(addressRefusal('http://evil:9090/x', policy(['http://prom:9090']))).toBe(
      'provider.prometheus.address http://evil:9090 is not among the metrics addresses the cluster admin allows (operator flag --metrics-address-allowlist)',
    );
  });
});
