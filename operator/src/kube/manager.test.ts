import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../observability/logger.js';
import { Manager } from './manager.js';
import { coreTypes } from './resource.js';

describe('Manager', () => {
  it('gives the resync period to the primary kinds of its controllers only, not to children', async () => {
    const config = loadConfig(['--leader-elect=false', '--resync-period=2m'], {});
    // No API server is reachable at this address: informers retry with backoff, nothing here needs one.
    const mgr = new Manager({
      config,
      serveHttp: false,
      log: createLogger({ level: 'silent' }),
      kubeConfig: { kind: 'test', prepare: async () => 'http://127.0.0.1:9' },
    });
    const primary = mgr.informer(coreTypes.configMap);
    const child = mgr.informer(coreTypes.secret);
    const watched = mgr.informer(coreTypes.service);
    mgr.addController({
      name: 'test',
      for: primary,
      owns: [{ informer: child }],
      watches: [{ informer: watched, map: () => [] }],
      reconciler: { reconcile: async () => ({}) },
    });
    await mgr.start();
    try {
      expect(primary.resyncPeriodMs).toBe(120_000);
      expect(child.resyncPeriodMs).toBe(0);
      expect(watched.resyncPeriodMs).toBe(0);
    } finally {
      await mgr.stop();
    }
  });
});
