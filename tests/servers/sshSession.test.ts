import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sshArgv } from '../../src/services/servers/sshArgv';
import { lastSshLines, runSshSession } from '../../src/services/servers/sshSession';

const hasSsh = spawnSync('ssh', ['-V']).status === 0;

/** A loopback port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('ssh with its diagnostics in a file', () => {
  it.skipIf(!hasSsh)(
    'keeps ssh’s reason off the terminal and reads it back after a refused connection',
    async () => {
      const port = await closedPort();
      const plan = sshArgv({ kind: 'host', host: { name: 'closed', host: '127.0.0.1', port, tags: {} } });
      if (!plan.ok) throw new Error(plan.error);
      let stderr = '';
      let logFile = '';
      const outcome = await runSshSession(plan.argv, async (program, args) => {
        logFile = args[1];
        const run = spawnSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
        stderr = run.stderr;
        return run.status ?? 1;
      });
      expect(outcome.code).toBe(255);
      expect(outcome.started).toBe(true);
      expect(outcome.lines.at(-1)).toBe(`ssh: connect to host 127.0.0.1 port ${port}: Connection refused`);
      // Nothing went to the terminal, and the log is gone.
      expect(stderr).toBe('');
      expect(existsSync(logFile)).toBe(false);
    },
  );

  it('puts -E before the options end (--), so the host stays the last word', async () => {
    const seen: string[][] = [];
    const outcome = await runSshSession(['ssh', '-p', '22', '--', 'example.test'], async (program, args) => {
      seen.push([program, ...args]);
      return 127;
    });
    expect(seen[0].slice(0, 3)).toEqual(['ssh', '-E', seen[0][2]]);
    expect(seen[0].slice(3)).toEqual(['-p', '22', '--', 'example.test']);
    // The runner never started ssh (no log file): nothing to read, and it says so.
    expect(outcome).toEqual({ code: 127, started: false, lines: [] });
  });

  it('reads the last meaningful lines, without the noise ssh writes every time, controls removed', () => {
    const log = [
      'Pseudo-terminal will not be allocated because stdin is not a terminal.',
      "Warning: Permanently added '10.0.0.5' (ED25519) to the list of known hosts.",
      '@@@@@@@@@@@@',
      'first',
      'second \x1b[31mred\x1b[0m',
      'ops@10.0.0.5: Permission denied (publickey).',
      '',
    ].join('\n');
    expect(lastSshLines(log)).toEqual([
      'first',
      'second red',
      'ops@10.0.0.5: Permission denied (publickey).',
    ]);
    expect(lastSshLines('')).toEqual([]);
  });
});
