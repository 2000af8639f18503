// Entry point of the bundled dataplane (test/gateway/manifests.ts bundles this file with esbuild).
import { main } from './dataplane.js';

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
