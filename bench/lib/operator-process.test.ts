import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageNodeFlags } from './operator-process.js';

function dockerfile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dockerfile-')), 'Dockerfile');
  writeFileSync(path, text);
  return path;
}

describe('imageNodeFlags (the benchmark runs the operator with the flags of its image)', () => {
  it('reads the node flags of the repository operator/Dockerfile', () => {
    expect(imageNodeFlags()).toEqual(['--optimize-for-size', '--single-threaded-gc']);
  });

  it.each([
    [
      'flags before the entry file',
      'ENTRYPOINT ["node", "--a=1", "--b", "dist/main.js", "--c"]',
      ['--a=1', '--b'],
    ],
    ['no flags', 'ENTRYPOINT ["node", "dist/main.js"]', []],
  ])('%s', (_what, line, expected) => {
    expect(imageNodeFlags(dockerfile(`FROM x\n${line}\n`))).toEqual(expected);
  });

  it('fails loudly when the ENTRYPOINT is not an exec-form node command', () => {
    expect(() => imageNodeFlags(dockerfile('ENTRYPOINT node dist/main.js\n'))).toThrow();
    expect(() => imageNodeFlags(dockerfile('FROM x\n'))).toThrow(/expected ENTRYPOINT/);
  });
});
