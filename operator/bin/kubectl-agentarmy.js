#!/usr/bin/env node
// kubectl plugin entry (`kubectl agentarmy …` once this file is on PATH as kubectl-agentarmy).
// Runs the compiled CLI when the operator was built (npm run build -w operator), the TypeScript
// source through tsx otherwise (a repository checkout).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli/main.js', import.meta.url);
let cli;
if (existsSync(dist)) {
  cli = await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
