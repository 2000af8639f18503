// The agentarmy.dev/v1alpha1 API: zod schemas (the single source of truth), their inferred types,
// parse helpers and the CRD generator.
export * from './agent-army.js';
export * from './agent-version.js';
export * from './analysis.js';
export * from './canary-release.js';
export * from './common.js';
export * from './conditions.js';
export * from './control.js';
export * from './crds.js';
export * from './docs.js';
export * from './evaluation.js';
export * from './gates.js';
export * from './openapi.js';
export * from './rules.js';
export * from './validate.js';
