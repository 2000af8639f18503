// Text output of `kubectl agentarmy status`: a summary table and the last analysis measurements. Pure.
import type { AgentArmy, CanaryRelease } from '../api/v1alpha1/index.js';

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '-';
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

export function renderCanaryStatus(crel: CanaryRelease, maxMeasurements = 8): string {
  const s = crel.status;
  const steps = crel.spec.steps.length;
  const step = s?.currentStepIndex === undefined ? '-' : `${s.currentStepIndex + 1}/${steps}`;
  const head = table([
    ['NAME', 'ARMY', 'AGENT', 'PHASE', 'STEP', 'WEIGHT', 'FROM', 'TO'],
    [
      crel.metadata.name ?? '',
      crel.spec.targetRef.army,
      crel.spec.targetRef.agent,
      s?.phase ?? 'Idle',
      step,
      `${s?.canaryWeight ?? 0}%`,
      s?.fromVersion ?? '-',
      s?.toVersion ?? '-',
    ],
  ]);
  const lines = [head];
  if (s?.message) lines.push(`message: ${s.message}`);
  if (s?.pauseReason) lines.push(`paused: ${s.pauseReason} since ${s.pausedAt ?? '?'}`);
  const g = s?.group;
  if (g) {
    const at = g.step === undefined ? 'no release' : `step ${g.step + 1}/${steps}`;
    const waiting = g.waitingFor?.length ? `; waiting for ${g.waitingFor.join(', ')}` : '';
    lines.push(`lockstep group ${g.name} (${g.members.join(', ')}): ${at}${waiting}`);
  }
  const measurements = (s?.analysisRuns ?? []).flatMap((r) => r.measurements).slice(-maxMeasurements);
  if (measurements.length > 0) {
    lines.push('', 'last measurements:');
    lines.push(
      table([
        ['TIME', 'METRIC', 'VALUE', 'THRESHOLD', 'SAMPLES', 'RESULT'],
        ...measurements.map((m) => [
          m.time,
          m.metric,
          fmt(m.value),
          m.threshold ?? '-',
          fmt(m.sampleSize),
          m.result,
        ]),
      ]),
    );
  }
  if (s?.lastControl) {
    const c = s.lastControl;
    lines.push('', `last request: ${c.action} (${c.id}) ${c.outcome}${c.message ? `: ${c.message}` : ''}`);
  }
  return lines.join('\n');
}

export function renderArmyStatus(army: AgentArmy): string {
  const rows = [['AGENT', 'PHASE', 'STABLE', 'DESIRED', 'READY', 'ACTIVE', 'MESSAGE']];
  for (const a of army.status?.agents ?? []) {
    rows.push([
      a.name,
      a.phase,
      a.stableVersion ?? '-',
      a.desiredVersion ?? '-',
      String(a.readyReplicas),
      a.activeColor ?? '-',
      a.message ?? '',
    ]);
  }
  return `army ${army.metadata.name}: ${army.status?.phase ?? 'Pending'} (${army.status?.ready ?? '-'} ready)\n${table(rows)}`;
}
