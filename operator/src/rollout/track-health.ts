// Health of one track (canary, or one blue-green color) read from its live Deployment and pods. Pure.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { ANNOTATION } from './labels.js';

/** The AgentVersion name the live Deployment runs, from the annotation the operator put on it. */
export function runningVersionName(dep: V1Deployment | undefined): string | undefined {
  return dep?.metadata?.annotations?.[ANNOTATION.agentVersion] || undefined;
}

/** A Deployment has finished rolling out the given version: every pod updated and available. */
export function rolloutComplete(dep: V1Deployment | undefined, versionName: string): boolean {
  if (!dep || runningVersionName(dep) !== versionName) return false;
  const want = dep.spec?.replicas ?? 1;
  const s = dep.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.availableReplicas ?? 0) >= want &&
    (s.replicas ?? 0) === want
  );
}

/** Restarts after which a not-ready container counts as crash-looping even before the back-off shows. */
export const CRASH_RESTART_THRESHOLD = 3;

/**
 * The track runs `version` on exactly `replicas` pods, all updated and available. A Deployment still at
 * another replica count (the weight just changed) is not Ready for the new count yet.
 */
export function trackReady(dep: V1Deployment | undefined, version: string, replicas: number): boolean {
  return (dep?.spec?.replicas ?? 1) === replicas && rolloutComplete(dep, version);
}

/** Ready pods of a Deployment as its controller reports them. */
export function readyPods(dep: V1Deployment | undefined): number {
  return dep?.status?.readyReplicas ?? 0;
}

/** Kubernetes gave up on the rollout: Progressing=False reason ProgressDeadlineExceeded. */
export function progressDeadlineExceeded(dep: V1Deployment | undefined, version: string): boolean {
  if (dep?.metadata?.annotations?.[ANNOTATION.agentVersion] !== version) return false;
  const c = dep.status?.conditions?.find((x) => x.type === 'Progressing');
  return c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded';
}

export interface CrashLoop {
  crashLooping: boolean;
  /** e.g. "pod x container agent: CrashLoopBackOff (restarts 5)". */
  message?: string;
}

/**
 * Whether pods of `version` crash-loop: a container waits in CrashLoopBackOff, or restarted at least
 * CRASH_RESTART_THRESHOLD times and is not ready. Pods of other versions are ignored.
 */
export function crashLoop(pods: readonly V1Pod[], version: string): CrashLoop {
  for (const pod of pods) {
    if (pod.metadata?.annotations?.[ANNOTATION.agentVersion] !== version) continue;
    for (const cs of pod.status?.containerStatuses ?? []) {
      const backOff = cs.state?.waiting?.reason === 'CrashLoopBackOff';
      if (backOff || (cs.restartCount >= CRASH_RESTART_THRESHOLD && !cs.ready)) {
        const why = backOff ? 'CrashLoopBackOff' : 'restarting';
        return {
          crashLooping: true,
          message: `pod ${pod.metadata?.name} container ${cs.name}: ${why} (restarts ${cs.restartCount})`,
        };
      }
    }
  }
  return { crashLooping: false };
}

/** Why pods of a track cannot start or stay up, as the kubelet or scheduler reports it. */
export interface PodTrouble {
  /** One word: the container's waiting reason (CreateContainerConfigError, ImagePullBackOff, …) or Unschedulable. */
  reason: string;
  /** "pod <name> container <c>: <reason>: <message>", cut to MAX_TROUBLE_MESSAGE characters. */
  message: string;
}

/** Waiting reasons that mean the container will not run until something is fixed (not a normal start). */
const TROUBLED_WAITING = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
]);
export const MAX_TROUBLE_MESSAGE = 400;

function cut(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_TROUBLE_MESSAGE ? flat : `${flat.slice(0, MAX_TROUBLE_MESSAGE - 1)}…`;
}

/**
 * The first trouble among the pods (by name, so the answer is stable), or undefined when every pod is
 * starting or running normally. Pods being deleted are ignored; with `version`, pods of other versions too.
 * A crash loop quotes the last termination (exit code, reason and the message, which is the end of the
 * log with terminationMessagePolicy FallbackToLogsOnError).
 */
export function podTrouble(pods: readonly V1Pod[], version?: string): PodTrouble | undefined {
  const sorted = [...pods].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  for (const pod of sorted) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (version !== undefined && pod.metadata?.annotations?.[ANNOTATION.agentVersion] !== version) continue;
    const name = pod.metadata?.name ?? '';
    for (const cs of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      const waiting = cs.state?.waiting;
      const crashing = cs.restartCount >= CRASH_RESTART_THRESHOLD && !cs.ready;
      if (!(waiting?.reason && TROUBLED_WAITING.has(waiting.reason)) && !crashing) continue;
      const reason =
        waiting?.reason && TROUBLED_WAITING.has(waiting.reason) ? waiting.reason : 'CrashLoopBackOff';
      const last = cs.lastState?.terminated;
      const detail =
        reason === 'CrashLoopBackOff' && last
          ? `exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}, ${cs.restartCount} restarts${last.message ? `: ${last.message}` : ''}`
          : (waiting?.message ?? '');
      return {
        reason,
        message: cut(`pod ${name} container ${cs.name}: ${reason}${detail ? `: ${detail}` : ''}`),
      };
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return {
        reason: 'Unschedulable',
        message: cut(`pod ${name}: Unschedulable: ${scheduled.message ?? ''}`),
      };
    }
  }
  return undefined;
}
