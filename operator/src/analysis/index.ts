// Analysis engine: metric providers, query templates, the built-in metric set, pure evaluation and run
// bookkeeping (docs/analysis.md).
export * from './builtin.js';
export * from './evaluate.js';
export * from './gates.js';
export * from './measure.js';
export * from './model-identity.js';
export * from './pipeline.js';
export * from './prometheus.js';
export * from './provider.js';
export * from './run.js';
export * from './template.js';
