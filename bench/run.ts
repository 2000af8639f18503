// `make bench`: every benchmark in sequence, each as its own process (so one cannot skew another's memory
// or CPU figures), results as JSON under bench/results/ plus an index in bench/results/run.json.
//   npx tsx bench/run.ts                 all benchmarks
//   npx tsx bench/run.ts operator        only the named ones (runtime, operator, rollback)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../test/support/cluster.js';

const benchmarks = [
  { name: 'runtime', entry: 'bench/runtime-bench.ts', result: 'bench/results/runtime.json' },
  { name: 'operator', entry: 'bench/operator-bench.ts', result: 'bench/results/operator.json' },
  { name: 'rollback', entry: 'bench/rollback-bench.ts', result: 'bench/results/rollback.json' },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !benchmarks.some((b) => b.name === w));
if (unknown.length) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; choose from ${benchmarks.map((b) => b.name).join(', ')}`,
  );
  process.exit(2);
}
const selected = wanted.length ? benchmarks.filter((b) => wanted.includes(b.name)) : benchmarks;

let current: ReturnType<typeof spawn> | undefined;
// Forward Ctrl-C / SIGTERM so the running benchmark cleans up (it tears down its own cluster).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => current?.kill(signal));
}

function runOne(entry: string): Promise<number> {
  return new Promise((resolve) => {
    current = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, entry)], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    current.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    current.once('error', (err) => {
      console.error(`could not start ${entry}: ${err.message}`);
      resolve(1);
    });
  });
}

const runs: { name: string; exitCode: number; seconds: number; result: string }[] = [];
for (const b of selected) {
  console.log(`\n=== benchmark: ${b.name} (${b.entry}) ===`);
  const t0 = performance.now();
  const exitCode = await runOne(b.entry);
  runs.push({
    name: b.name,
    exitCode,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    result: b.result,
  });
  console.log(`=== ${b.name}: ${exitCode === 0 ? 'done' : `FAILED (exit ${exitCode})`} ===`);
}

mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench/results/run.json'),
  `${JSON.stringify({ date: new Date().toISOString(), runs }, null, 2)}\n`,
);
process.exit(runs.some((r) => r.exitCode !== 0) ? 1 : 0);
