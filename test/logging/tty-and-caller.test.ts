// Real terminals and real file paths: colours appear on a pseudo-terminal (util-linux `script`) but never in
// TORCH_LOGS_OUT or redirected stderr; the caller path is relative to the working directory inside it and
// absolute outside it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runTs, TSX_FLAGS } from './support.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

function tempScript(body: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'compilog-caller-'));
  const file = join(dir, 'caller.ts');
  writeFileSync(file, `import { getLogger } from '${resolve(REPO, 'src/logging/index.ts')}';\n${body}\n`);
  return { dir, file };
}

describe('colours only on a TTY', () => {
  it.skipIf(!hasScript)(
    'colours the prefix on a pseudo-terminal, not in TORCH_LOGS_OUT nor when redirected',
    () => {
      const { dir, file } = tempScript("getLogger('app').warning('on a tty');");
      const out = join(dir, 'out.txt');
      const redirected = join(dir, 'stderr.txt');
      const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', TORCH_LOGS_OUT: out };
      delete env.NO_COLOR;
      delete env.FORCE_COLOR;
      delete env.CI; // chalk (supports-color) keeps CI logs plain even on a terminal; this test is about a user's terminal
      const tty = execFileSync('script', ['-qec', `node ${TSX_FLAGS.join(' ')} ${file}`, '/dev/null'], {
        cwd: REPO,
        env,
      }).toString();
      expect(tty).toMatch(/^\u001b\[33mW\d{4} [\d:.]+ \d+ \/.*caller\.ts:2\]\u001b\[39m on a tty\r\n$/);
      execFileSync('script', ['-qec', `node ${TSX_FLAGS.join(' ')} ${file} 2>${redirected}`, '/dev/null'], {
        cwd: REPO,
        env,
      });
      for (const text of [readFileSync(out, 'utf8'), readFileSync(redirected, 'utf8')]) {
        expect(text).toMatch(/^W\d{4} [\d:.]+ \d+ \/.*caller\.ts:2\] on a tty\n/);
        expect(text).not.toContain('\u001b[');
      }
    },
  );
});

describe('caller file:line', () => {
  it('is absolute outside the working directory, relative inside it, and names the calling line', async () => {
    const { dir, file } = tempScript(
      [
        "const log = getLogger('app');",
        'function work(): void {',
        "  log.warning('from work');",
        '}',
        'work();',
      ].join('\n'),
    );
    const outside = await runTs(file, [], {});
    expect(outside.stderr).toMatch(
      new RegExp(`^W\\d{4} [\\d:.]+ \\d+ ${file.replace(/[.]/g, '\\.')}:4\\] from work\\n$`),
    );
    const inside = await runTs(file, [], {}, { cwd: dir });
    expect(inside.stderr).toMatch(/^W\d{4} [\d:.]+ \d+ caller\.ts:4\] from work\n$/);
  });
});
