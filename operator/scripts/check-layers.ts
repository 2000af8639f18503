// The import rule of the operator's layers, over the import graph of operator/src (run by `make lint`):
//   api → kube → analysis → rollout → controllers → cli / main
// A layer imports only from layers to its left (and from itself), so the pure rollout layer can never
// reach back into a controller; and no set of files imports itself in a cycle.
//   npx tsx operator/scripts/check-layers.ts [dir]    exit 1 and name every violation
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const LAYERS = ['api', 'kube', 'observability', 'analysis', 'rollout', 'controllers', 'cli'] as const;
/** Folders a layer may not import from (everything to its right). Top-level files (main.ts) may use all. */
const FORBIDDEN: Record<string, readonly string[]> = {
  api: ['kube', 'observability', 'analysis', 'rollout', 'controllers', 'cli'],
  kube: ['analysis', 'rollout', 'controllers', 'cli'],
  observability: ['analysis', 'rollout', 'controllers', 'cli'],
  analysis: ['rollout', 'controllers', 'cli'],
  rollout: ['controllers', 'cli'],
  controllers: ['cli'],
};

const here = dirname(fileURLToPath(import.meta.url));
const src = resolve(process.argv[2] ?? join(here, '../src'));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative imports of one file, resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) =>
    resolve(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts')),
  );
}

const layerOf = (file: string): string | undefined => {
  const top = relative(src, file).split('/')[0];
  return LAYERS.find((l) => l === top);
};

const files = tsFiles(src);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(src))]));
const problems: string[] = [];

for (const [file, targets] of graph) {
  const layer = layerOf(file);
  for (const target of targets) {
    const to = layerOf(target);
    if (layer && to && FORBIDDEN[layer]?.includes(to)) {
      problems.push(
        `${relative(src, file)} imports ${relative(src, target)}: ${layer}/ may not import ${to}/`,
      );
    }
  }
}

// Cycles: strongly connected components of more than one file (Tarjan), test files included.
let index = 0;
const idx = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
function strongConnect(v: string): void {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!idx.has(w)) {
      strongConnect(w);
      low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
  }
  if (low.get(v) !== idx.get(v)) return;
  const component: string[] = [];
  let w: string | undefined;
  do {
    w = stack.pop();
    if (w === undefined) break;
    onStack.delete(w);
    component.push(w);
  } while (w !== v);
  if (component.length > 1) {
    problems.push(
      `import cycle: ${component
        .map((f) => relative(src, f))
        .sort()
        .join(' ↔ ')}`,
    );
  }
}
for (const f of files) if (!idx.has(f)) strongConnect(f);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-layers: ${problems.length} problem(s) in ${relative(process.cwd(), src) || '.'}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, layers ${LAYERS.join(' → ')}, no cycle`);
