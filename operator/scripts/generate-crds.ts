// Writes the CRDs generated from the zod schemas to crds/ and charts/agent-army/crds/, the chart's status
// ValidatingAdmissionPolicy (templates/status-policy.yaml), and the field
// reference section of docs/api.md.
//   npx tsx operator/scripts/generate-crds.ts          write the files
//   npx tsx operator/scripts/generate-crds.ts --check  exit 1 when the committed files differ
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KIND_SOURCES,
  openAPISchema,
  renderCrdFiles,
  structuralProblems,
  updateDocs,
} from '../src/api/v1alpha1/index.js';
import { renderStatusPolicyTemplate } from '../src/api/v1alpha1/status-policy.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUTPUT_DIRS = ['crds', 'charts/agent-army/crds'];

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A one-line description of how `actual` differs from `expected`. */
export function describeDifference(expected: string, actual: string | undefined): string | undefined {
  if (actual === undefined) return 'missing';
  if (actual === expected) return undefined;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = e.findIndex((l, i) => a[i] !== l);
  const at = line === -1 ? e.length : line;
  return `differs from line ${at + 1}: expected ${JSON.stringify(e[at] ?? '<eof>')}, found ${JSON.stringify(a[at] ?? '<eof>')}`;
}

function main(): number {
  const check = process.argv.includes('--check');
  for (const src of KIND_SOURCES) {
    const problems = structuralProblems(openAPISchema(src));
    if (problems.length > 0) {
      console.error(`${src.name}: schema is not structural:\n  ${problems.join('\n  ')}`);
      return 1;
    }
  }
  const files = renderCrdFiles();
  const differences: string[] = [];
  for (const dir of OUTPUT_DIRS) {
    const abs = join(repoRoot, dir);
    for (const [name, text] of files) {
      const path = join(abs, name);
      const diff = describeDifference(text, readOrUndefined(path));
      if (diff === undefined) continue;
      if (check) differences.push(`${relative(repoRoot, path)}: ${diff}`);
      else {
        mkdirSync(abs, { recursive: true });
        writeFileSync(path, text);
        console.log(`wrote ${relative(repoRoot, path)}`);
      }
    }
    const stale = (readOrUndefinedDir(abs) ?? []).filter((f) => f.endsWith('.yaml') && !files.has(f));
    for (const f of stale) differences.push(`${join(dir, f)}: not generated any more (delete it)`);
  }
  const policyPath = join(repoRoot, 'charts/agent-army/templates/status-policy.yaml');
  const policy = renderStatusPolicyTemplate();
  const policyDiff = describeDifference(policy, readOrUndefined(policyPath));
  if (policyDiff !== undefined) {
    if (check) differences.push(`${relative(repoRoot, policyPath)}: ${policyDiff}`);
    else {
      writeFileSync(policyPath, policy);
      console.log(`wrote ${relative(repoRoot, policyPath)}`);
    }
  }
  const docsPath = join(repoRoot, 'docs/api.md');
  const docs = readOrUndefined(docsPath) ?? '# API reference\n';
  const newDocs = updateDocs(docs);
  if (newDocs !== docs) {
    if (check) differences.push(`docs/api.md: ${describeDifference(newDocs, docs)}`);
    else {
      writeFileSync(docsPath, newDocs);
      console.log('wrote docs/api.md');
    }
  }
  if (differences.length > 0) {
    console.error(
      `CRDs are out of date; run \`npx tsx operator/scripts/generate-crds.ts\`:\n  ${differences.join('\n  ')}`,
    );
    return 1;
  }
  if (check)
    console.log(`CRDs and docs/api.md up to date (${files.size} kinds × ${OUTPUT_DIRS.length} directories)`);
  return 0;
}

function readOrUndefinedDir(path: string): string[] | undefined {
  try {
    return readdirSync(path).sort();
  } catch {
    return undefined;
  }
}

process.exitCode = main();
