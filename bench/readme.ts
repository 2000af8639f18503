// `make bench-readme`: writes the README's benchmark table from bench/results/operator.json.
//   npx tsx bench/readme.ts           rewrite the block between the markers in README.md
//   npx tsx bench/readme.ts --check   exit 1 when README.md differs from what the JSON gives
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../test/support/cluster.js';
import { OperatorResult, renderTable, spliceReadme } from './lib/readme-table.js';

const jsonPath = join(repoRoot, 'bench/results/operator.json');
const readmePath = join(repoRoot, 'README.md');

const parsed = OperatorResult.safeParse(JSON.parse(readFileSync(jsonPath, 'utf8')));
if (!parsed.success) {
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  console.error(`${jsonPath} is not an operator benchmark result:\n  ${problems.join('\n  ')}`);
  process.exit(2);
}
/** The README as the project's formatter (Biome) lays it out, so `make lint` agrees with the generated table. */
function formatted(markdown: string): string {
  const biome = spawnSync(
    join(repoRoot, 'node_modules/.bin/biome'),
    ['format', '--stdin-file-path=README.md'],
    {
      cwd: repoRoot,
      input: markdown,
      encoding: 'utf8',
    },
  );
  if (biome.status !== 0) throw new Error(`biome format failed on the README: ${biome.stderr}`);
  return biome.stdout;
}

const readme = readFileSync(readmePath, 'utf8');
const next = formatted(spliceReadme(readme, renderTable(parsed.data)));
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error(
      'README.md: the benchmark table differs from bench/results/operator.json; run `make bench-readme`',
    );
    process.exit(1);
  }
  console.log('README.md benchmark table matches bench/results/operator.json');
} else {
  writeFileSync(readmePath, next);
  console.log(`README.md: benchmark table written from ${jsonPath}`);
}
