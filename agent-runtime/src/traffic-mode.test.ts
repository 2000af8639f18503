import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Harness, startHarness } from '../dev/runtime-harness.js';
import { parseTrafficMode, type TrafficModeWatch, watchTrafficMode } from './traffic-mode.js';

const logger = pino({ level: 'silent' });
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'traffic-')), 'traffic');
let watch: TrafficModeWatch | undefined;
let h: Harness | undefined;
afterEach(async () => {
  watch?.stop();
  watch = undefined;
  await h?.close();
  h = undefined;
});

describe('traffic mode file (the downward API file of agentarmy.dev/traffic)', () => {
  it.each([
    ['shadow', 'shadow'],
    ['shadow\n', 'shadow'],
    ['live', 'live'],
    ['', 'live'], // the annotation is absent: the kubelet writes an empty file
    [undefined, 'live'], // no file
  ] as const)('%j means %s', (text, mode) => {
    expect(parseTrafficMode(text)).toBe(mode);
  });

  it('reads the file at start, then follows its changes on refresh, without a restart', async () => {
    const file = tempFile();
    writeFileSync(file, 'shadow');
    const changes: string[] = [];
    watch = watchTrafficMode({ file, logger, pollMs: 60_000, onChange: (m) => changes.push(m) });
    expect(watch.shadow()).toBe(true);
    writeFileSync(file, 'live');
    expect(await watch.refresh()).toBe('live');
    expect(watch.shadow()).toBe(false);
    rmSync(file);
    expect(await watch.refresh()).toBe('live');
    writeFileSync(file, 'shadow');
    expect(await watch.refresh()).toBe('shadow');
    expect(changes).toEqual(['live', 'shadow']);
  });

  it('follows the kubelet’s atomic swap of a symlinked data directory, by polling', async () => {
    // The kubelet writes ..data -> ..<timestamp>/ and the file is a symlink through ..data.
    const dir = mkdtempSync(join(tmpdir(), 'downward-'));
    for (const [version, text] of [
      ['..v1', 'live'],
      ['..v2', 'shadow'],
    ] as const) {
      mkdirSync(join(dir, version));
      writeFileSync(join(dir, version, 'traffic'), text);
    }
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/traffic', join(dir, 'traffic'));
    watch = watchTrafficMode({ file: join(dir, 'traffic'), logger, pollMs: 10 });
    expect(watch.shadow()).toBe(false);
    symlinkSync('..v2', join(dir, '..data.tmp'));
    renameSync(join(dir, '..data.tmp'), join(dir, '..data'));
    await vi.waitFor(() => expect(watch?.shadow()).toBe(true));
  });

  it('without TRAFFIC_MODE_FILE (the stable track) the pod is always live', async () => {
    watch = watchTrafficMode({ file: undefined, logger });
    expect(await watch.refresh()).toBe('live');
    expect(watch.shadow()).toBe(false);
  });
});

describe('mirrored copies never call side-effect tools; live requests always do', () => {
  /** A model that refunds the order (a side effect) and looks it up (none). */
  const model = {
    models: {
      good: {
        toolCalls: [
          { name: 'lookup_order', arguments: {} },
          { name: 'refund', arguments: {} },
        ],
      },
    },
  };
  const order = { messages: [{ role: 'user', content: 'refund order 42' }] };
  const post = (url: string) =>
    fetch(`${url}/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order),
    });

  it('stubs every request on SHADOW_PORT and none on PORT, whatever TRAFFIC_MODE_FILE says at the time', async () => {
    const file = tempFile();
    // The window the port closes: the route already mirrors, but the kubelet has not rewritten the file.
    writeFileSync(file, 'live');
    h = await startHarness(
      model,
      { TRAFFIC_MODE_FILE: file, AGENT_TRACK: 'canary', SHADOW_PORT: '0' },
      {
        tools: { tools: { '*': {} } },
        agentFile: (t) => ({
          tools: [
            { name: 'lookup_order', url: t?.toolURL('lookup_order') },
            { name: 'refund', url: t?.toolURL('refund'), sideEffects: true },
          ],
        }),
      },
    );
    const shadowUrl = h.runtime.shadowUrl as string;
    expect(shadowUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(shadowUrl).not.toBe(h.url);
    expect(await h.metric('agent_shadow_traffic', 'track="canary"')).toBe(0);
    const copy = await post(shadowUrl);
    expect(copy.status).toBe(200);
    expect(JSON.stringify(await copy.json())).toContain('stubbed');
    expect(h.tools?.stats()['refund']).toBeUndefined();
    expect(h.tools?.stats()['lookup_order']?.calls).toBe(1);
    expect(await h.metric('agent_tool_calls_total', 'tool="refund"', 'outcome="stubbed"')).toBe(1);

    // The other window: the pod is told shadow (the gauge follows), and a live request still arrives.
    writeFileSync(file, 'shadow');
    await h.runtime.traffic.refresh();
    expect(await h.metric('agent_shadow_traffic', 'track="canary"')).toBe(1);
    expect((await h.invoke(order)).status).toBe(200);
    expect(h.tools?.stats()['refund']?.calls).toBe(1);
    expect((await post(shadowUrl)).status).toBe(200);
    expect(h.tools?.stats()['refund']?.calls).toBe(1);
    expect(await h.metric('agent_tool_calls_total', 'tool="refund"', 'outcome="stubbed"')).toBe(2);
    expect(await h.metric('agent_tool_calls_total', 'tool="refund"', 'outcome="success"')).toBe(1);
  });

  it('has no shadow listener without SHADOW_PORT', async () => {
    h = await startHarness({ models: { good: {} } });
    expect(h.runtime.shadowUrl).toBeUndefined();
  });
});
