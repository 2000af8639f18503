import { describe, expect, it } from 'vitest';
import { informersWatching, peerVersion, peerWrites, peerWritesByVerbKind } from './peer-process.js';
import { parsePromText } from './prom-text.js';

// Lines as Argo Rollouts v1.10.2 serves them (two Rollouts created, then Healthy).
const scrape = parsePromText(`# TYPE controller_clientset_k8s_request_total counter
controller_clientset_k8s_request_total{kind="rollouts",name="N/A",namespace="",status_code="200",verb="List"} 1
controller_clientset_k8s_request_total{kind="rollouts",name="N/A",namespace="",status_code="429",verb="List"} 1
controller_clientset_k8s_request_total{kind="rollouts",name="",namespace="",status_code="200",verb="Watch"} 1
controller_clientset_k8s_request_total{kind="configmaps",name="N/A",namespace="argo-rollouts",status_code="404",verb="Get"} 1
controller_clientset_k8s_request_total{kind="",name="",namespace="",status_code="201",verb="Create"} 2
controller_clientset_k8s_request_total{kind="agent-0001",name="status",namespace="rollouts",status_code="200",verb="Patch"} 5
controller_clientset_k8s_request_total{kind="agent-0002",name="status",namespace="rollouts",status_code="200",verb="Patch"} 4
controller_clientset_k8s_request_total{kind="events",name="N/A",namespace="b1",status_code="201",verb="Create"} 12
controller_clientset_k8s_request_total{kind="replicasets",name="N/A",namespace="b1",status_code="200",verb="Update"} 2
controller_clientset_k8s_request_total{kind="rollouts",name="agent-0001",namespace="b1",status_code="200",verb="Update"} 1
build_info{version="v99.99.99+unknown"} 1
`);

describe('peerWrites', () => {
  it('counts every verb of the client counter but get, list and watch', () => {
    expect(peerWrites(scrape)).toBe(26);
    expect(peerWrites(parsePromText('controller_clientset_k8s_request_total{verb="list"} 3\n'))).toBe(0);
  });

  it('breaks the writes down by verb and resource, status patches folded into one', () => {
    expect(peerWritesByVerbKind(scrape)).toEqual({
      'Create (unlabelled)': 2,
      'Patch rollouts/status': 9,
      'Create events': 12,
      'Update replicasets': 2,
      'Update rollouts': 1,
    });
  });
});

describe('informersWatching', () => {
  it('is true once every kind listed with success is watched, Rollouts included', () => {
    expect(informersWatching(scrape)).toBe(true);
  });

  it('is false while a listed kind has no watch yet, or before the Rollouts are listed', () => {
    const listed = 'controller_clientset_k8s_request_total{kind="pods",status_code="200",verb="List"} 1\n';
    expect(informersWatching([...scrape, ...parsePromText(listed)])).toBe(false);
    expect(informersWatching([])).toBe(false);
  });
});

describe('peerVersion', () => {
  it('is the version pinned in test/cluster/versions.sh', () => {
    expect(peerVersion).toMatch(/^v\d+\.\d+\.\d+$/);
  });
});
