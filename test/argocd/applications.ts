// Argo CD Applications in the GitOps tests: the ones from examples/argocd-application.yaml pointed at the
// local repository and the test cluster, reading their status (sync, health, each resource, history), and
// a recorder that samples an Application while things happen in the cluster.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyManifest, eventually, kubectl, kubectlOk, repoRoot } from '../support/cluster.js';
import type { ArgoCd } from './argocd-harness.js';

export interface AppResource {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
  status?: string;
  health?: { status?: string; message?: string };
  requiresPruning?: boolean;
}

export interface Application {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: {
    project: string;
    source: { repoURL: string; targetRevision?: string; path: string; [k: string]: unknown };
    destination: { server?: string; namespace: string };
    syncPolicy?: Record<string, unknown>;
  };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    resources?: AppResource[];
    history?: { id: number; revision?: string }[];
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      syncResult?: { revision?: string };
    };
    conditions?: { type: string; message: string }[];
  };
}

/** examples/argocd-application.yaml, pointed at the local repository, the test cluster and `namespaces`. */
export function exampleApplications(argo: ArgoCd, namespaces: Record<string, string>): Application[] {
  const text = readFileSync(join(repoRoot, 'examples/argocd-application.yaml'), 'utf8');
  return parseAllDocuments(text).map((d) => {
    const app = d.toJS() as Application;
    const ns = namespaces[app.metadata.name];
    if (!ns) throw new Error(`no namespace given for the example Application ${app.metadata.name}`);
    app.metadata.namespace = argo.namespace;
    app.spec.source.repoURL = argo.repo.url;
    app.spec.destination = { server: argo.server, namespace: ns };
    return app;
  });
}

/** An Application like the example army's (automated sync with prune and self-heal, server-side apply) for `path`. */
export function gitApplication(argo: ArgoCd, name: string, path: string, namespace: string): Application {
  return {
    metadata: { name, namespace: argo.namespace },
    spec: {
      project: 'default',
      source: { repoURL: argo.repo.url, targetRevision: 'main', path },
      destination: { server: argo.server, namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
      },
    },
  };
}

export function createApplication(app: Application): Promise<string> {
  return applyManifest({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...app });
}

export async function getApplication(argo: ArgoCd, name: string): Promise<Application> {
  return JSON.parse(
    await kubectlOk(['get', 'applications.argoproj.io', name, '-n', argo.namespace, '-o', 'json']),
  );
}

/** Asks Argo CD to compare again now (`hard` also regenerates the manifests: what a Git webhook does). */
export async function refresh(argo: ArgoCd, name: string, mode: 'normal' | 'hard' = 'hard'): Promise<void> {
  await kubectlOk([
    'annotate',
    'applications.argoproj.io',
    name,
    '-n',
    argo.namespace,
    '--overwrite',
    `argocd.argoproj.io/refresh=${mode}`,
  ]);
}

/** The health Argo CD reports for one managed resource of the Application. */
export function resourceHealth(app: Application, kind: string, name: string): string | undefined {
  return app.status?.resources?.find((r) => r.kind === kind && r.name === name)?.health?.status;
}

/** Managed resources whose live state differs from Git (empty when the comparison found no diff). */
export function outOfSync(app: Application): AppResource[] {
  return (app.status?.resources ?? []).filter((r) => r.status !== 'Synced' || r.requiresPruning);
}

/**
 * Syncs recorded in the Application's history: each full sync appends an entry with the next id. A
 * self-heal sync of only the drifted resources is a partial sync, which the history does not record.
 */
export function syncsRecorded(app: Application): number {
  const last = app.status?.history?.at(-1);
  return last ? last.id + 1 : 0;
}

/**
 * Every sync operation Argo CD started, self-heal ones included: its OperationStarted Events on the
 * Application ("Initiated automated sync to '<sha>'"), oldest first, as `<time> <message>`.
 */
export async function syncsStarted(argo: ArgoCd, name: string): Promise<string[]> {
  const r = await kubectl([
    'get',
    'events',
    '-n',
    argo.namespace,
    '--field-selector',
    `involvedObject.name=${name},reason=OperationStarted`,
    '-o',
    'json',
  ]);
  type Event = { count?: number; message: string; firstTimestamp?: string; eventTime?: string };
  const items = (JSON.parse(r.stdout || '{"items":[]}') as { items: Event[] }).items;
  return items
    .flatMap((e) =>
      Array.from({ length: e.count ?? 1 }, () => `${e.firstTimestamp ?? e.eventTime} ${e.message}`),
    )
    .sort();
}

/**
 * Waits until the Application has synced `revision` (when given), is Synced and `health`, and each of
 * `resources` (`Kind/name` → health) shows its health.
 */
export async function waitSyncedHealthy(
  argo: ArgoCd,
  name: string,
  opts: { revision?: string; health?: string; resources?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Application> {
  let last: Application | undefined;
  return eventually(
    `Application ${name} Synced/${opts.health ?? 'Healthy'}${opts.revision ? ` at ${opts.revision.slice(0, 7)}` : ''}`,
    async () => {
      const app = await getApplication(argo, name);
      last = app;
      const s = app.status;
      const atRevision = !opts.revision || s?.operationState?.syncResult?.revision === opts.revision;
      const resources = Object.entries(opts.resources ?? {}).every(([key, health]) => {
        const [kind = '', name = ''] = key.split('/');
        return resourceHealth(app, kind, name) === health;
      });
      return atRevision &&
        resources &&
        s?.sync?.status === 'Synced' &&
        s.health?.status === (opts.health ?? 'Healthy')
        ? app
        : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 500 },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; last status ${JSON.stringify(last?.status)}`);
  });
}

export interface Sample {
  at: number;
  sync?: string;
  health?: string;
  revision?: string;
  outOfSync: string[];
  resources: Record<string, string | undefined>;
}

/** Samples an Application every `intervalMs` until stopped: what Argo CD showed while things happened. */
export function recordApplication(argo: ArgoCd, name: string, intervalMs = 400) {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const app = await getApplication(argo, name).catch(() => undefined);
      if (app?.status)
        samples.push({
          at: started,
          sync: app.status.sync?.status,
          health: app.status.health?.status,
          revision: app.status.sync?.revision,
          outOfSync: outOfSync(app).map((r) => `${r.kind}/${r.name}: ${r.status}`),
          resources: Object.fromEntries(
            (app.status.resources ?? []).map((r) => [`${r.kind}/${r.name}`, r.health?.status]),
          ),
        });
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    samples,
    /** Distinct consecutive values of `pick` over the samples, e.g. the health a resource went through. */
    sequence(pick: (s: Sample) => string | undefined): string[] {
      const out: string[] = [];
      for (const s of samples) {
        const v = pick(s);
        if (v !== undefined && out.at(-1) !== v) out.push(v);
      }
      return out;
    },
    /** Stops after one more sample, so the last one shows the state the test just waited for. */
    async stop() {
      const t = Date.now();
      const deadline = t + 10_000;
      while ((samples.at(-1)?.at ?? 0) <= t && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      running = false;
      await loop;
    },
  };
}
