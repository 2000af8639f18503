// The Argo CD health checks (charts/agent-army/argocd/*.lua) run by the real Lua 5.1 interpreter over a
// table of status fixtures; the argocd-cm snippet in docs/argocd.md carries exactly the current scripts;
// the example Application points at a chart that renders with its values.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { binary, repoRoot, run } from '../support/cluster.js';
import { healthCases } from './fixtures.js';
import { healthScript, runHealth } from './lua.js';

const kinds = ['AgentArmy', 'AgentVersion', 'CanaryRelease'] as const;

describe('Argo CD health checks under lua5.1', () => {
  it.each(healthCases.map((c) => [`${c.kind}: ${c.name} → ${c.status}`, c] as const))('%s', async (_, c) => {
    const hs = await runHealth(healthScript(c.kind), c.obj);
    expect(hs.status).toBe(c.status);
    if (typeof c.message === 'string') expect(hs.message).toBe(c.message);
    else expect(hs.message).toMatch(c.message);
  });

  it('covers every health status for every kind it can apply to', () => {
    const seen = (kind: string) => new Set(healthCases.filter((c) => c.kind === kind).map((c) => c.status));
    for (const kind of kinds) {
      expect([...seen(kind)]).toEqual(
        expect.arrayContaining(['Healthy', 'Progressing', 'Degraded', 'Missing']),
      );
    }
    expect(seen('CanaryRelease')).toContain('Suspended');
    expect(seen('AgentArmy')).toContain('Suspended');
  });

  it('a script that throws makes the harness fail (the table cannot pass vacuously)', async () => {
    // An AgentArmy whose conditions are not a list makes ipairs fail inside the script.
    await expect(
      runHealth(healthScript('AgentArmy'), {
        metadata: { generation: 1 },
        status: { observedGeneration: 1, conditions: 'Ready' },
      }),
    ).rejects.toThrow(/lua5.1 failed/);
  });
});

describe('docs/argocd.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs/argocd.md'), 'utf8');

  it('carries the argocd-cm snippet with exactly the current Lua scripts', () => {
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const cm = blocks
      .map((b) => parse(b) as { kind?: string; metadata?: { name?: string }; data?: Record<string, string> })
      .find((o) => o?.kind === 'ConfigMap' && o.metadata?.name === 'argocd-cm');
    expect(cm, 'a ```yaml block with the argocd-cm ConfigMap').toBeDefined();
    for (const kind of kinds) {
      const key = `resource.customizations.health.agentarmy.dev_${kind}`;
      expect(cm?.data?.[key], `${key} must equal ${healthScript(kind)}`).toBe(
        readFileSync(healthScript(kind), 'utf8'),
      );
    }
  });
});

describe('examples/argocd-application.yaml', () => {
  type Application = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
    spec: {
      destination: { namespace: string; server?: string };
      source: {
        path: string;
        repoURL: string;
        helm?: { valuesObject?: Record<string, unknown> };
        directory?: { include?: string };
      };
      syncPolicy?: { syncOptions?: string[] };
    };
  };
  const docs = parseAllDocuments(readFileSync(join(repoRoot, 'examples/argocd-application.yaml'), 'utf8'));
  const apps = docs.map((d) => d.toJS() as Application);

  it('declares Argo CD Applications whose source paths exist in this repository', () => {
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) {
      expect(app).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' });
      expect(app.metadata.namespace).toBe('argocd');
      const { path, directory } = app.spec.source;
      expect(existsSync(join(repoRoot, path)), path).toBe(true);
      // `{a.yaml,b.yaml}` globs name files that must exist too.
      for (const file of directory?.include?.replace(/^\{|\}$/g, '').split(',') ?? []) {
        expect(existsSync(join(repoRoot, path, file)), `${path}/${file}`).toBe(true);
      }
    }
  });

  it('installs the chart with values the chart schema accepts', async () => {
    const chartApp = apps.find((a) => a.spec.source.path === 'charts/agent-army');
    const src = chartApp?.spec.source;
    expect(src?.helm?.valuesObject).toBeDefined();
    const r = await run(
      binary('helm'),
      [
        'template',
        'agent-army',
        join(repoRoot, 'charts/agent-army'),
        '--namespace',
        chartApp?.spec.destination.namespace ?? '',
        '--values',
        '-',
      ],
      { input: JSON.stringify(src?.helm?.valuesObject) },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('kind: Deployment');
    // CRDs ship in the chart's crds/ and need server-side apply for their size.
    expect(chartApp?.spec.syncPolicy?.syncOptions).toContain('ServerSideApply=true');
  });
});
