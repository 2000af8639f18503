// KWOK pods run no containers, so the demo plays kubelet for the agent's two tracks: it reads the
// Deployment the operator rendered for each track and runs a real agent-runtime process with exactly that
// Deployment's env (secretKeyRef and fieldRef resolved as the kubelet would) and its ConfigMap mounted as
// the agent file. A new version or config hash restarts the process; zero replicas stop it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl } from '../support/cluster.js';
import { type ServiceProcess, spawnRuntime } from '../support/processes.js';

type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
};
type Deployment = {
  metadata: { labels: Record<string, string> };
  spec: {
    replicas?: number;
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: { containers: { env?: EnvVar[] }[]; volumes?: { name: string; configMap?: { name: string } }[] };
    };
  };
  status?: { readyReplicas?: number };
};

export type Track = 'stable' | 'canary';

export interface TrackState {
  version?: string;
  /** Ready pods the cluster reports for the track (how a Service would spread requests). */
  readyPods: number;
  url?: string;
}

export class TrackProcesses {
  private readonly running = new Map<Track, { key: string; proc: ServiceProcess; version: string }>();
  readonly state: Record<Track, TrackState> = { stable: { readyPods: 0 }, canary: { readyPods: 0 } };
  private readonly dir = mkdtempSync(join(tmpdir(), 'agent-army-demo-'));

  constructor(
    private readonly namespace: string,
    private readonly deployments: Record<Track, string>,
    readonly ports: Record<Track, number>,
    /** How long a runtime may take to answer /readyz (a loaded machine compiles tsx slowly). */
    private readonly startTimeoutMs = 20_000,
  ) {}

  private async getJson<T>(kind: string, name: string): Promise<T | undefined> {
    const r = await kubectl(['get', kind, name, '-n', this.namespace, '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
  }

  private async resolveEnv(env: EnvVar[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const e of env) {
      if (e.value !== undefined) out[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') out[e.name] = this.namespace;
      else if (e.valueFrom?.secretKeyRef) {
        const ref = e.valueFrom.secretKeyRef;
        const s = await this.getJson<{ data?: Record<string, string> }>('secret', ref.name);
        const b64 = s?.data?.[ref.key];
        if (b64 !== undefined) out[e.name] = Buffer.from(b64, 'base64').toString('utf8');
      }
    }
    return out;
  }

  /** Brings the local processes in line with the Deployments; returns what changed. */
  async sync(): Promise<string[]> {
    const changes: string[] = [];
    for (const track of ['stable', 'canary'] as const) {
      const dep = await this.getJson<Deployment>('deployment', this.deployments[track]);
      const replicas = dep?.spec.replicas ?? 0;
      const version = dep?.metadata.labels['agentarmy.dev/version'];
      this.state[track] = {
        ...(version ? { version } : {}),
        readyPods: replicas > 0 ? (dep?.status?.readyReplicas ?? 0) : 0,
      };
      const key = `${version}|${dep?.spec.template.metadata.annotations?.['agentarmy.dev/config-hash']}`;
      const current = this.running.get(track);
      if (current && (replicas === 0 || current.key !== key)) {
        await current.proc.stop();
        this.running.delete(track);
        changes.push(`stopped ${track} ${current.version}`);
      }
      if (dep && replicas > 0 && !this.running.has(track) && version) {
        const cmName = dep.spec.template.spec.volumes?.find((v) => v.configMap)?.configMap?.name;
        const cm = cmName
          ? await this.getJson<{ data?: Record<string, string> }>('configmap', cmName)
          : undefined;
        const env = await this.resolveEnv(dep.spec.template.spec.containers[0]?.env ?? []);
        const file = join(this.dir, `${track}-agent.yaml`);
        writeFileSync(file, cm?.data?.['agent.yaml'] ?? '');
        const proc = await spawnRuntime(
          { ...env, AGENT_CONFIG_FILE: file, LOG_LEVEL: 'warn' },
          { port: this.ports[track], host: '127.0.0.1', timeoutMs: this.startTimeoutMs },
        );
        this.running.set(track, { key, proc, version });
        changes.push(`started ${track} ${version} on ${proc.url}`);
      }
      const run = this.running.get(track);
      if (run) this.state[track].url = run.proc.url;
    }
    return changes;
  }

  async stop(): Promise<void> {
    for (const { proc } of this.running.values()) await proc.stop();
    this.running.clear();
  }
}
