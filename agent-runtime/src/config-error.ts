// The one error type for bad configuration: a list of "WHERE: what is wrong" lines.
import type { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Turns zod issues into "NAME: message" lines, `prefix` naming the source (an env var or a file). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
    return `${prefix}${path || '(root)'}: ${missing ? 'is required' : issue.message}`;
  });
}
