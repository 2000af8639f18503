// Bad input explains itself at the moment it is applied: 42 hostile or careless manifests (cases.ts), each
// in its own namespace, against the real apiserver and the operator's controllers. Every case ends in an
// admission error naming the problem or in a condition (reason and message) on the object — never only a
// log line — and a bystander army in another namespace keeps serving, its children not rewritten.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentArmyController } from '../../operator/src/controllers/agent-army/controller.js';
import { agentVersionController } from '../../operator/src/controllers/agent-version/controller.js';
import { canaryReleaseController } from '../../operator/src/controllers/canary-release/controller.js';
import { Manager } from '../../operator/src/kube/manager.js';
import { secret } from '../army/fixtures.js';
import { testConfig } from '../kube/support.js';
import {
  applyManifest,
  deleteNamespaces,
  eventually,
  getObject,
  kubectl,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { type Doc, type HostileCase, hostileCases, servers, version } from './cases.js';

const prefix = uniqueNamespace('hostile');
const bystander = `${prefix}-bystander`;
const nsOf = (i: number) => `${prefix}-${i}`;
let mgr: Manager | undefined;
const local: Server[] = [];
type Obj = {
  metadata: { resourceVersion: string; generation?: number };
  status?: {
    phase?: string;
    message?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
};
let bystanderBefore: Record<string, string> = {};

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  local.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

/** resourceVersions of the bystander's children and the army's generation: nothing may rewrite them. */
async function bystanderState(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of ['deployment', 'service', 'poddisruptionbudget', 'configmap']) {
    const list = JSON.parse(
      await kubectlOk([
        'get',
        kind,
        '-n',
        bystander,
        '-l',
        'app.kubernetes.io/managed-by=agent-army',
        '-o',
        'json',
      ]),
    ) as {
      items: { metadata: { name: string; resourceVersion: string } }[];
    };
    for (const o of list.items) out[`${kind}/${o.metadata.name}`] = o.metadata.resourceVersion;
  }
  out.generation = String((await getObject<Obj>(bystander, 'agentarmy/support'))?.metadata.generation);
  return out;
}

beforeAll(async () => {
  servers.redirect = await serve((_q, res) =>
    res.writeHead(302, { location: 'http://203.0.113.9/api/v1/query' }).end(),
  );
  servers.huge = await serve((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: [] },
        pad: 'x'.repeat(3 << 20),
      }),
    );
  });
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  const namespaces = [bystander, ...hostileCases.map((_, i) => nsOf(i))];
  for (const ns of namespaces) {
    await kubectlOk(['create', 'namespace', ns]);
    await applyManifest(secret(ns));
  }
  mgr = new Manager({
    config: testConfig(namespaces.join(','), [
      `--metrics-address-allowlist=http://prometheus.monitoring:9090,http://prom:9090,${servers.redirect},${servers.huge}`,
    ]),
    serveHttp: false,
  });
  for (const c of [agentArmyController, agentVersionController, canaryReleaseController])
    mgr.addController(c(mgr));
  void mgr.start();
  await applyManifest({ ...version('v1'), metadata: { name: 'v1', namespace: bystander } });
  await applyManifest({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name: 'support', namespace: bystander },
    spec: { agents: [{ name: 'orchestrator', version: 'v1', replicas: 2 }] },
  });
  await eventually('the bystander army Ready', async () =>
    (await getObject<Obj>(bystander, 'agentarmy/support'))?.status?.phase === 'Ready' ? true : undefined,
  );
  await new Promise((r) => setTimeout(r, 3000)); // let its children settle
  bystanderBefore = await bystanderState();
}, 300_000);

afterAll(async () => {
  await mgr?.stop();
  for (const s of local) s.close();
  await deleteNamespaces([bystander, ...hostileCases.map((_, i) => nsOf(i))]);
});

/** Applies the docs in order; the first refusal's message, or undefined when all were accepted. */
async function applyAll(ns: string, docs: Doc[]): Promise<string | undefined> {
  for (const doc of docs) {
    const meta = (doc.metadata ?? {}) as Record<string, unknown>;
    const r = await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ ...doc, metadata: { ...meta, namespace: ns } }),
    });
    if (r.code !== 0) return r.stderr;
  }
  return undefined;
}

async function outcome(ns: string, c: HostileCase): Promise<string> {
  const refused = await applyAll(ns, c.docs(ns));
  if ('admission' in c.expect) return refused ?? 'accepted';
  if (refused) return `refused: ${refused}`;
  if (c.afterReady) {
    const ready = await eventually(`${c.name}: army a Ready`, async () =>
      (await getObject<Obj>(ns, 'agentarmy/a'))?.status?.phase === 'Ready' ? true : undefined,
    ).catch(
      async (err: unknown) =>
        `${String(err)}; army ${JSON.stringify((await getObject<Obj>(ns, 'agentarmy/a'))?.status)}`,
    );
    if (ready !== true) return ready;
    const again = await applyAll(ns, c.afterReady(ns));
    if (again) return `refused: ${again}`;
  }
  const expected = c.expect;
  return eventually(
    `${c.name}: ${JSON.stringify(expected, (_k, v) => (v instanceof RegExp ? String(v) : v))}`,
    async () => {
      const o = await getObject<Obj>(ns, expected.object);
      if ('statusMessage' in expected)
        return expected.statusMessage.test(o?.status?.message ?? '') ? 'ok' : undefined;
      const cond = o?.status?.conditions?.find((x) => x.type === expected.condition);
      const ok =
        cond?.reason === expected.reason &&
        (!expected.status || cond.status === expected.status) &&
        (!expected.message || expected.message.test(cond.message));
      return ok ? 'ok' : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  ).catch(
    async (err: unknown) =>
      `${String(err)}; last status ${JSON.stringify((await getObject<Obj>(ns, expected.object))?.status)}`,
  );
}

describe('hostile and careless manifests', () => {
  it.each(hostileCases.map((c, i) => [c.name, i] as const))(
    '%s: refused at admission or named in a condition',
    async (_name, i) => {
      const c = hostileCases[i] as HostileCase;
      const result = await outcome(nsOf(i), c);
      if ('admission' in c.expect) expect(result).toMatch(c.expect.admission);
      else expect(result).toBe('ok');
    },
    150_000,
  );

  it('left the bystander army serving and its children untouched', async () => {
    const army = await getObject<Obj>(bystander, 'agentarmy/support');
    expect(army?.status?.phase).toBe('Ready');
    expect(await bystanderState()).toEqual(bystanderBefore);
  });
});
