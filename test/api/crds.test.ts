// The generated CRDs on a real apiserver: examples accepted with the same defaults zod applies,
// invalid manifests rejected naming the field, AgentVersion spec immutable, explain and columns useful.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentArmy,
  AgentVersion,
  CanaryRelease,
  KINDS,
  safeParseResource,
} from '../../operator/src/api/v1alpha1/index.js';
import { kubectl, kubectlOk, repoRoot, uniqueNamespace } from '../support/cluster.js';
import { agentArmy, agentVersion, canaryRelease, invalidManifests, type Manifest } from './manifests.js';

const ns = uniqueNamespace('api');
const schemas = { AgentVersion, AgentArmy, CanaryRelease } as const;
const crdNames = Object.values(KINDS).map((k) => `crd/${k.plural}.agentarmy.dev`);

async function getJson(resource: string): Promise<Manifest> {
  return JSON.parse(await kubectlOk(['get', '-n', ns, resource, '-o', 'json'])) as Manifest;
}

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...crdNames]);
  await kubectlOk(['create', 'namespace', ns]);
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('CRDs', () => {
  it('are accepted as structural (no NonStructuralSchema condition) and Established', async () => {
    for (const crd of crdNames) {
      const conditions = JSON.parse(
        await kubectlOk(['get', crd, '-o', 'jsonpath={.status.conditions}']),
      ) as Array<{
        type: string;
        status: string;
      }>;
      expect(conditions.find((c) => c.type === 'NonStructuralSchema')).toBeUndefined();
      expect(conditions.find((c) => c.type === 'Established')?.status).toBe('True');
    }
  });

  it('kubectl explain prints the strategy descriptions', async () => {
    const out = await kubectlOk(['explain', 'agentarmy.spec.agents.strategy']);
    expect(out).toContain('How a version change of this agent is rolled out.');
    expect(out).toMatch(/type\s+<string>/);
    expect(out).toContain('RollingUpdate, BlueGreen or Canary.');
    expect(out).toContain('blueGreen');
  });
});

describe('examples/', () => {
  it('are accepted, and the apiserver applies the same defaults as zod', async () => {
    for (const f of ['agent-version.yaml', 'minimal-army.yaml', 'canary-error-rate.yaml']) {
      await kubectlOk(['apply', '--server-side', '-n', ns, '-f', join(repoRoot, 'examples', f)]);
    }
    const stored = [
      await getJson('agentversion/orchestrator-v1.1.0'),
      await getJson('agentarmy/support-canary'),
      await getJson('canaryrelease/orchestrator'),
    ];
    for (const obj of stored) {
      const schema = schemas[obj.kind as keyof typeof schemas];
      const r = safeParseResource(schema, obj.kind, obj);
      expect(r.ok ? 'ok' : r.error.message).toBe('ok');
      // Parsing what the apiserver stored adds nothing: every default was already applied server-side.
      if (r.ok) expect(r.value.spec).toEqual(obj.spec);
    }
  });

  it('kubectl get army,av,crel shows the printer columns', async () => {
    const out = await kubectlOk(['get', 'army,av,crel', '-n', ns]);
    expect(out).toMatch(/NAME\s+AGENT\s+VERSION\s+MODEL\s+AGE/);
    expect(out).toMatch(/orchestrator-v1\.1\.0\s+orchestrator\s+1\.1\.0\s+gpt-4o/);
    expect(out).toMatch(/NAME\s+AGENTS\s+READY\s+PHASE\s+AGE/);
    expect(out).toMatch(/NAME\s+ARMY\s+AGENT\s+FROM\s+TO\s+WEIGHT\s+PHASE\s+AGE/);
    expect(out).toMatch(/canaryrelease\.agentarmy\.dev\/orchestrator\s+support-canary\s+orchestrator/);
    // A fresh discovery cache: kubectl's shared one may predate the CRDs just applied.
    const cache = ['--cache-dir', mkdtempSync(join(tmpdir(), 'kubectl-cache-'))];
    const byCategory = await kubectlOk(['get', 'agent-army', '-n', ns, '-o', 'name', ...cache]);
    expect(byCategory).toContain('agentarmy.agentarmy.dev/support');
    expect(byCategory).toContain('agentversion.agentarmy.dev/orchestrator-v1.0.0');
    expect(byCategory).toContain('canaryrelease.agentarmy.dev/orchestrator');
    // The category must not shadow the singular: this names exactly one army.
    const one = await kubectlOk(['get', 'agentarmy', 'support', '-n', ns, '-o', 'name', ...cache]);
    expect(one.trim()).toBe('agentarmy.agentarmy.dev/support');
  });
});

describe('AgentVersion immutability', () => {
  it('rejects a spec change but accepts a status write', async () => {
    const v = agentVersion('immutable-v1.0.0');
    await kubectlOk(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(v) });
    const patch = JSON.stringify({ spec: { image: 'agent-army/agent-runtime:0.2.0' } });
    const r = await kubectl(['patch', '-n', ns, 'av/immutable-v1.0.0', '--type=merge', '-p', patch]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec is immutable');
    const status = JSON.stringify({ status: { usedBy: [{ army: 'support', agent: 'orchestrator' }] } });
    await kubectlOk([
      'patch',
      '-n',
      ns,
      'av/immutable-v1.0.0',
      '--subresource=status',
      '--type=merge',
      '-p',
      status,
    ]);
    const stored = await getJson('av/immutable-v1.0.0');
    expect(stored.spec.image).toBe(v.spec.image);
    expect((stored.status as { usedBy: unknown[] }).usedBy).toHaveLength(1);
  });
});

describe('manual control through the status subresource', () => {
  it('stores status.control without touching the spec or its generation', async () => {
    const rel = { ...canaryRelease(), metadata: { name: 'control' } };
    await kubectlOk(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(rel) });
    const before = await getJson('crel/control');
    const control = { id: 'req-1', action: 'promote', requestedAt: '2026-01-01T00:00:00Z' };
    const patch = JSON.stringify({ status: { control } });
    await kubectlOk(['patch', '-n', ns, 'crel/control', '--subresource=status', '--type=merge', '-p', patch]);
    const after = await getJson('crel/control');
    expect((after.status as { control: unknown }).control).toEqual(control);
    expect((after.metadata as { generation: number }).generation).toBe(
      (before.metadata as { generation: number }).generation,
    );
    const bad = JSON.stringify({ status: { control: { id: 'req-2', action: 'explode' } } });
    const r = await kubectl([
      'patch',
      '-n',
      ns,
      'crel/control',
      '--subresource=status',
      '--type=merge',
      '-p',
      bad,
    ]);
    expect(r.stderr).toContain('status.control.action');
  });
});

describe('invalid manifests', () => {
  it('the table is large enough', () => expect(invalidManifests.length).toBeGreaterThanOrEqual(30));

  const table = invalidManifests.map(([what, manifest, field]) => ({ what, manifest, field }));
  it.each(table)('rejects $what, naming "$field"', async ({ manifest, field }) => {
    // zod rejects it first, naming the same field …
    const parsed = safeParseResource(schemas[manifest.kind as keyof typeof schemas], manifest.kind, manifest);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.error.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toContain(field);
    // … and so does the apiserver.
    const r = await kubectl(['create', '--dry-run=server', '-n', ns, '-f', '-'], {
      input: JSON.stringify(manifest),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(field);
  });

  it('the base manifests the table mutates are themselves valid', async () => {
    for (const m of [agentVersion(), agentArmy(), canaryRelease()]) {
      const r = await kubectl(['create', '--dry-run=server', '-n', ns, '-f', '-'], {
        input: JSON.stringify(m),
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });
});
