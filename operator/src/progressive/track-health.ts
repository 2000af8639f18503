// Health of one track (canary, or one blue-green color) read from its live Deployment and pods. Pure.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { ANNOTATION } from '../controllers/agent-army/labels.js';
import { rolloutComplete } from '../controllers/agent-army/plan-agent.js';

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
