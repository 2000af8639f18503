import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Agent } from '../api/v1alpha1/index.js';
import { currentReplicas, HPA_OWNER, replicaHandover } from './autoscale.js';
import { ANNOTATION } from './labels.js';

const agent = (over: Record<string, unknown>) => Agent.parse({ name: 'a', version: 'v', ...over });
const dep = (replicas: number | undefined, owner?: string): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'army-a',
    namespace: 'team',
    ...(owner ? { annotations: { [ANNOTATION.replicasOwner]: owner } } : {}),
  },
  spec: { ...(replicas !== undefined ? { replicas } : {}), selector: {}, template: {} },
});

describe('currentReplicas', () => {
  it.each([
    ['a fixed count, whatever the Deployment says', { replicas: 3 }, dep(7), 3],
    [
      'the HPA count of the scaled Deployment',
      { autoscaling: { minReplicas: 2, maxReplicas: 10 } },
      dep(6),
      6,
    ],
    ['the HPA minimum before the Deployment exists', { autoscaling: { minReplicas: 2 } }, undefined, 2],
    ['the HPA minimum over a new Deployment at 1', { autoscaling: { minReplicas: 3 } }, dep(1), 3],
    ['at most the HPA maximum', { autoscaling: { minReplicas: 2, maxReplicas: 4 } }, dep(9), 4],
  ])('%s', (_name, spec, live, want) => {
    expect(currentReplicas(agent(spec), live)).toBe(want);
  });
});

describe('replicaHandover', () => {
  it('hands the live count to the handover manager when a Deployment passes to the HPA', () => {
    expect(replicaHandover(dep(undefined, HPA_OWNER), dep(4))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'army-a', namespace: 'team' },
      spec: { replicas: 4 },
    });
  });

  it.each([
    ['the operator writes the count', dep(3), dep(4)],
    ['the HPA already owns the live count', dep(undefined, HPA_OWNER), dep(4, HPA_OWNER)],
    ['the Deployment does not exist yet', dep(undefined, HPA_OWNER), undefined],
    ['the child is not a Deployment', { ...dep(undefined, HPA_OWNER), kind: 'Service' }, dep(4)],
  ])('hands nothing over when %s', (_name, desired, live) => {
    expect(replicaHandover(desired, live)).toBeUndefined();
  });
});
