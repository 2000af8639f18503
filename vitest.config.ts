import { configDefaults, defineConfig } from 'vitest/config';

// Two projects: `unit` (co-located *.test.ts, no cluster) and `integration` (test/**, against the real
// local control plane that test/cluster/global-setup.ts brings up once per run).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'operator/src/**/*.test.ts',
            'agent-runtime/src/**/*.test.ts',
            'agent-runtime/dev/**/*.test.ts',
            'bench/**/*.test.ts',
            // The test Gateway dataplane's routing decisions (pure; no cluster).
            'test/gateway/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/gateway/**'],
          environment: 'node',
          globalSetup: ['test/cluster/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Integration files share one cluster; run them one at a time so they do not fight over it.
          fileParallelism: false,
        },
      },
    ],
  },
});
