// The chart's monitoring objects: the ServiceMonitor scrapes the metrics Service, the PrometheusRule is
// valid for promtool and its alerts fire (and stay quiet) on synthetic series, and the Grafana dashboard
// ConfigMap holds dashboard JSON with the panels the platform guides ask for.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { run } from '../support/cluster.js';
import { findObject, type K8sObject, render } from './helm.js';

type RuleGroup = {
  name: string;
  rules: { alert: string; expr: string; for?: string; annotations?: unknown }[];
};
const ns = 'agent-army-system';
const job = 'agent-army-metrics';

async function ruleGroups(values: Record<string, unknown> = {}): Promise<RuleGroup[]> {
  const objs = await render({ prometheusRule: { enabled: true, ...values } }, { namespace: ns });
  return (findObject(objs, 'PrometheusRule') as K8sObject & { spec: { groups: RuleGroup[] } }).spec.groups;
}

const tempDir = mkdtempSync(join(tmpdir(), 'agent-army-rules-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

function writeTemp(name: string, content: string): string {
  const path = join(tempDir, name);
  writeFileSync(path, content);
  return path;
}

const agent = (track: string, version: string, extra: string) =>
  `{namespace="team-a", agent="orch", version="${version}", track="${track}"${extra}}`;

// promtool unit tests: 1-minute samples; `a+bxN` is a counter growing by b per minute.
const alertTests = [
  {
    interval: '1m',
    input_series: [
      { series: `agent_requests_total${agent('canary', '1.1.0', ', outcome="error"')}`, values: '0+1x30' },
      { series: `agent_requests_total${agent('canary', '1.1.0', ', outcome="success"')}`, values: '0+9x30' },
      { series: `agent_requests_total${agent('stable', '1.0.0', ', outcome="timeout"')}`, values: '0+1x30' },
      { series: `agent_requests_total${agent('stable', '1.0.0', ', outcome="success"')}`, values: '0+99x30' },
      // canary: every success takes 5–10 s (p95 ≈ 9.75 s); stable: all under 1 s.
      ...['1', '5'].map((le) => ({
        series: `agent_request_duration_seconds_bucket${agent('canary', '1.1.0', `, outcome="success", le="${le}"`)}`,
        values: '0x30',
      })),
      ...['10', '+Inf'].map((le) => ({
        series: `agent_request_duration_seconds_bucket${agent('canary', '1.1.0', `, outcome="success", le="${le}"`)}`,
        values: '0+9x30',
      })),
      ...['1', '5', '10', '+Inf'].map((le) => ({
        series: `agent_request_duration_seconds_bucket${agent('stable', '1.0.0', `, outcome="success", le="${le}"`)}`,
        values: '0+99x30',
      })),
      {
        series: `agentarmy_rollbacks_total{job="${job}", namespace="team-a", release="orch"}`,
        values: '0x10 1x20',
      },
      {
        series: `controller_runtime_reconcile_errors_total{job="${job}", namespace="${ns}", controller="agentarmy"}`,
        values: '0+3x30',
      },
      { series: `up{job="${job}", namespace="${ns}", instance="a"}`, values: '1x10 0x20' },
    ],
    alert_rule_test: [
      // Canary fails 10 % (> 5 %) for more than 5 minutes; stable fails 1 % and must not fire.
      {
        eval_time: '12m',
        alertname: 'AgentHighErrorRate',
        exp_alerts: [
          {
            exp_labels: {
              severity: 'warning',
              namespace: 'team-a',
              agent: 'orch',
              version: '1.1.0',
              track: 'canary',
            },
          },
        ],
      },
      { eval_time: '4m', alertname: 'AgentHighErrorRate', exp_alerts: [] },
      {
        eval_time: '12m',
        alertname: 'AgentHighLatencyP95',
        exp_alerts: [
          {
            exp_labels: {
              severity: 'warning',
              namespace: 'team-a',
              agent: 'orch',
              version: '1.1.0',
              track: 'canary',
            },
          },
        ],
      },
      { eval_time: '9m', alertname: 'AgentArmyRollback', exp_alerts: [] },
      {
        eval_time: '12m',
        alertname: 'AgentArmyRollback',
        exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'team-a', release: 'orch' } }],
      },
      { eval_time: '12m', alertname: 'AgentArmyOperatorDown', exp_alerts: [] },
      {
        eval_time: '17m',
        alertname: 'AgentArmyOperatorDown',
        exp_alerts: [{ exp_labels: { severity: 'critical' } }],
      },
      { eval_time: '10m', alertname: 'AgentArmyReconcileErrors', exp_alerts: [] },
      {
        eval_time: '25m',
        alertname: 'AgentArmyReconcileErrors',
        exp_alerts: [{ exp_labels: { severity: 'warning', controller: 'agentarmy' } }],
      },
    ],
  },
  {
    // No operator target at all (never discovered): absent() fires.
    interval: '1m',
    input_series: [{ series: 'up{job="other", namespace="x"}', values: '1x10' }],
    alert_rule_test: [
      {
        eval_time: '6m',
        alertname: 'AgentArmyOperatorDown',
        exp_alerts: [{ exp_labels: { severity: 'critical' } }],
      },
    ],
  },
];

describe('PrometheusRule', () => {
  it('has the five alerts from the platform guides and passes promtool check rules', async () => {
    const groups = await ruleGroups();
    expect(groups.flatMap((g) => g.rules.map((r) => r.alert)).sort()).toEqual([
      'AgentArmyOperatorDown',
      'AgentArmyReconcileErrors',
      'AgentArmyRollback',
      'AgentHighErrorRate',
      'AgentHighLatencyP95',
    ]);
    const r = await run('promtool', ['check', 'rules', writeTemp('rules.yml', stringify({ groups }))]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS: 5 rules found');
  });

  it('fires each alert on synthetic series past its threshold and duration, and not before (promtool test rules)', async () => {
    // Annotations are free text (checked by `promtool check rules` above); compare labels only.
    const groups = (await ruleGroups()).map((g) => ({
      ...g,
      rules: g.rules.map(({ annotations: _a, ...rule }) => rule),
    }));
    const rules = writeTemp('rules.yml', stringify({ groups }));
    const tests = writeTemp(
      'tests.yml',
      stringify({ rule_files: [rules], evaluation_interval: '1m', tests: alertTests }),
    );
    const r = await run('promtool', ['test', 'rules', tests]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('takes thresholds from values', async () => {
    const groups = await ruleGroups({
      latencyP95ThresholdSeconds: 2,
      errorRateThreshold: 0.01,
      errorRateFor: '2m',
    });
    const rules = Object.fromEntries(groups.flatMap((g) => g.rules.map((r) => [r.alert, r])));
    expect(rules.AgentHighLatencyP95?.expr).toMatch(/\) > 2\n?$/);
    expect(rules.AgentHighErrorRate?.expr).toMatch(/\) > 0\.01\n?$/);
    expect(rules.AgentHighErrorRate?.for).toBe('2m');
  });
});

describe('ServiceMonitor and dashboard', () => {
  it('selects the metrics Service by its labels and port name', async () => {
    const objs = await render(
      { serviceMonitor: { enabled: true, labels: { release: 'prom' } } },
      { namespace: ns },
    );
    const sm = findObject(objs, 'ServiceMonitor') as K8sObject & {
      spec: {
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; honorLabels: boolean }[];
      };
    };
    const svc = findObject(objs, 'Service') as K8sObject & { spec: { ports: { name: string }[] } };
    expect(svc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(svc.spec.ports.map((p) => p.name)).toContain(sm.spec.endpoints[0]?.port);
    expect(sm.metadata.labels?.release).toBe('prom');
    expect(sm.spec.endpoints[0]?.honorLabels).toBe(true);
    expect(svc.metadata.name).toBe(job);
  });

  it('ships a Grafana dashboard with rollouts, canary weight, error rate by track and cost per request', async () => {
    const objs = await render({ grafanaDashboard: { enabled: true } }, { namespace: ns });
    const cm = findObject(objs, 'ConfigMap') as K8sObject & { data: Record<string, string> };
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dash = JSON.parse(cm.data['agent-army.json'] ?? '') as {
      uid: string;
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const byTitle = Object.fromEntries(
      dash.panels.map((p) => [p.title, (p.targets ?? []).map((t) => t.expr).join('\n')]),
    );
    expect(byTitle['Rollouts by strategy']).toContain('agentarmy_rollouts_total');
    expect(byTitle['Canary weight']).toContain('agentarmy_canary_weight');
    expect(byTitle['Error rate by track']).toMatch(/outcome=~"error\|timeout".*track/s);
    expect(byTitle['Cost per request by track']).toContain('agent_cost_usd_total');
    expect(byTitle.Rollbacks).toContain('agentarmy_rollbacks_total');
  });
});
