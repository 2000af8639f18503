// The pod's traffic mode, told by the operator while it mirrors requests to the canary: the annotation
// agentarmy.dev/traffic (`shadow` during a mirror step, `live` after) reaches the pod as a downward API
// file (TRAFFIC_MODE_FILE), which the kubelet rewrites in place when the annotation changes, so the mode
// switches without a restart. It drives the agent_shadow_traffic gauge and the logs; which request has its
// side-effect tools stubbed is decided per request: the copies arrive on SHADOW_PORT (server.ts), so the
// kubelet's refresh delay can neither let a copy call a tool nor stub a live request.
// The file is read at start and then polled: the kubelet swaps a symlinked directory, which fs.watch does
// not follow reliably, and one small read a second costs nothing. A missing or unreadable file is `live`.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';

export type TrafficMode = 'shadow' | 'live';

export const DEFAULT_TRAFFIC_POLL_MS = 1000;

export function parseTrafficMode(text: string | undefined): TrafficMode {
  return text?.trim() === 'shadow' ? 'shadow' : 'live';
}

export interface TrafficModeWatch {
  /** True while the pod receives only mirrored requests. */
  shadow(): boolean;
  /** Reads the file now (the poll calls this). */
  refresh(): Promise<TrafficMode>;
  stop(): void;
}

export function watchTrafficMode(opts: {
  /** The downward API file; undefined: always live (the stable track has none). */
  file: string | undefined;
  logger: Logger;
  pollMs?: number;
  onChange?: (mode: TrafficMode) => void;
}): TrafficModeWatch {
  const { file, logger } = opts;
  const read = (text: () => string | undefined): TrafficMode => {
    try {
      return parseTrafficMode(text());
    } catch {
      return 'live';
    }
  };
  let mode: TrafficMode = file ? read(() => readFileSync(file, 'utf8')) : 'live';
  if (mode === 'shadow') logger.info({ file }, 'shadow traffic: side-effect tools answer with a stub');
  const set = (next: TrafficMode) => {
    if (next === mode) return;
    mode = next;
    logger.info(
      { file, mode },
      next === 'shadow'
        ? 'shadow traffic: side-effect tools answer with a stub'
        : 'live traffic: side-effect tools are called again',
    );
    opts.onChange?.(next);
  };
  async function refresh(): Promise<TrafficMode> {
    if (!file) return mode;
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      text = undefined;
    }
    set(parseTrafficMode(text));
    return mode;
  }
  const timer = file
    ? setInterval(() => void refresh(), opts.pollMs ?? DEFAULT_TRAFFIC_POLL_MS).unref()
    : undefined;
  return {
    shadow: () => mode === 'shadow',
    refresh,
    stop: () => clearInterval(timer),
  };
}
