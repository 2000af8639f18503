// Runs an Argo CD health script with the real Lua 5.1 interpreter: the object becomes the global `obj`
// (as Argo CD sets it), the script runs as a chunk and its returned table is printed back as JSON-ish lines.
import { join } from 'node:path';
import { repoRoot, run } from '../support/cluster.js';

export const healthDir = join(repoRoot, 'charts/agent-army/argocd');

/** The health script of a kind, e.g. `AgentArmy` → charts/agent-army/argocd/health-agentarmy.lua. */
export function healthScript(kind: string): string {
  return join(healthDir, `health-${kind.toLowerCase()}.lua`);
}

function luaString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x5c) out += '\\\\';
    else if (ch < 0x20 || ch >= 0x7f)
      out += `\\${ch}`; // decimal escape: one byte, UTF-8 kept intact
    else out += String.fromCharCode(ch);
  }
  return `${out}"`;
}

/** A Lua table constructor for a JSON value; null/undefined become nil (absent keys), as in Argo CD. */
export function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} for Lua`);
    return String(value);
  }
  if (typeof value === 'string') return luaString(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `[${luaString(k)}] = ${toLua(v)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`cannot encode a ${typeof value} for Lua`);
}

export interface HealthStatus {
  status: string;
  message: string;
}

/** Runs `script` with `obj` (undefined → nil) through `lua5.1` and returns the health it reports. */
export async function runHealth(script: string, obj: unknown): Promise<HealthStatus> {
  const program = [
    `obj = ${toLua(obj)}`,
    `local check = assert(loadfile(${luaString(script)}))`,
    'local hs = check()',
    'assert(type(hs) == "table", "the health script must return a table")',
    'io.write(tostring(hs.status), "\\n", tostring(hs.message))',
  ].join('\n');
  const r = await run('lua5.1', ['-'], { input: program, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`lua5.1 failed on ${script} (${r.code}): ${r.stderr.trim()}`);
  const [status = '', ...rest] = r.stdout.split('\n');
  return { status, message: rest.join('\n') };
}
