import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  batchKnownHostsFile,
  type OutputStream,
  type RunnableTarget,
  runTarget,
  type TargetRunOptions,
} from '../../src/services/batch/targetRun';
import { skipSshd, startSshd, type TestSshd } from '../harness/sshd';

describe.skipIf(skipSshd)('running a batch target over ssh (a real sshd on 127.0.0.1 and 127.0.0.2)', () => {
  let sshd: TestSshd;
  let workspace: string;
  let knownHostsFile: string;

  beforeAll(async () => {
    sshd = await startSshd({ extraAddresses: ['127.0.0.2'] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  beforeEach(async () => {
    if (workspace) await rm(workspace, { recursive: true, force: true });
    workspace = await mkdtemp(join(tmpdir(), 'infradeck-batch-ws-'));
    knownHostsFile = batchKnownHostsFile(join(workspace, '.cache'));
  });
  afterAll(async () => {
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  const target = (host: string, extra: Partial<RunnableTarget> = {}): RunnableTarget => ({
    key: `web-${host}`,
    name: `web-${host}`,
    host,
    port: sshd.port,
    user: sshd.user,
    identityFile: sshd.identityFile,
    ...extra,
  });

  async function run(t: RunnableTarget, program: string[], opts: Partial<TargetRunOptions> = {}) {
    const lines: Array<{ line: string; stream: OutputStream }> = [];
    const result = await runTarget(
      t,
      { type: 'ssh', program: program[0] ?? '', args: program.slice(1) },
      {
        knownHostsFile,
        sshOptions: sshd.clientOptions,
        connectTimeoutSeconds: 5,
        killGraceMs: 1_000,
        onLine: (line, stream) => lines.push({ line, stream }),
        ...opts,
      },
    );
    const out = (stream: OutputStream) => lines.filter((l) => l.stream === stream).map((l) => l.line);
    return { result, lines, stdout: out('stdout'), stderr: out('stderr'), log: sshd.log() };
  }

  it('runs the command on each of two targets and keeps their exit code and output per stream', async () => {
    const script = 'echo "server $(echo "$SSH_CONNECTION" | cut -d" " -f3)"; echo "disk low" >&2; exit 3';
    const [one, two] = await Promise.all([
      run(target('127.0.0.1'), ['sh', '-c', script]),
      run(target('127.0.0.2'), ['sh', '-c', script]),
    ]);
    for (const [ran, address] of [
      [one, '127.0.0.1'],
      [two, '127.0.0.2'],
    ] as const) {
      expect(ran.result, ran.log).toMatchObject({ exitCode: 3, timedOut: false, cancelled: false });
      expect(ran.result.signal).toBeUndefined();
      expect(ran.stdout).toEqual([`server ${address}`]);
      expect(ran.stderr).toContain('disk low');
      expect(ran.result.lastLine).toBe('disk low');
    }
  });

  it('exit 0 with the last output line, and the host key recorded (accept-new) in the workspace .cache', async () => {
    const ran = await run(target('127.0.0.2'), ['sh', '-c', 'echo one; echo two']);
    expect(ran.result, ran.log).toMatchObject({ exitCode: 0, lastLine: 'two' });
    expect(ran.stdout).toEqual(['one', 'two']);
    expect(knownHostsFile.startsWith(join(workspace, '.cache'))).toBe(true);
    const known = await readFile(knownHostsFile, 'utf8');
    expect(known).toContain(`[127.0.0.2]:${sshd.port} ${sshd.hostKey}`);
  });

  it('does not take ssh noise for the last line: a silent command on a new host has none', async () => {
    const ran = await run(target('127.0.0.1'), ['true']);
    expect(ran.result, ran.log).toMatchObject({ exitCode: 0, lastLine: '' });
    expect(ran.stderr.join('\n')).toMatch(/Permanently added/);
  });

  it('refuses a host whose key changed: exit 255, "Host key verification failed"', async () => {
    const otherKey = join(workspace, 'other_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const wrong = (await readFile(`${otherKey}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    await mkdir(dirname(knownHostsFile), { recursive: true });
    await writeFile(knownHostsFile, `[127.0.0.1]:${sshd.port} ${wrong}\n`);
    const ran = await run(target('127.0.0.1'), ['echo', 'should not run']);
    expect(ran.result.exitCode).toBe(255);
    expect(ran.stdout).toEqual([]);
    expect(ran.result.lastLine).toBe('Host key verification failed.');
  });

  it('passes each argument as one word: spaces, quotes, $ and ; arrive as written', async () => {
    const words = ['a b', "it's", '"double"', '$HOME', 'x; echo injected', '', '*', 'back\\slash'];
    const ran = await run(target('127.0.0.2'), ['printf', '[%s]\\n', ...words]);
    expect(ran.result, ran.log).toMatchObject({ exitCode: 0 });
    expect(ran.stdout).toEqual(words.map((w) => `[${w}]`));
  });

  it('strips terminal escape sequences from the output', async () => {
    const ran = await run(target('127.0.0.1'), ['printf', '\\033[31mred\\033[0m \\033]0;title\\007done\\n']);
    expect(ran.stdout).toEqual(['red done']);
    expect(ran.result.lastLine).toBe('red done');
  });

  it('an unreachable port: ssh exits 255 and its error line is the last line', async () => {
    const ran = await run(target('127.0.0.2', { port: 1 }), ['echo', 'never']);
    expect(ran.result.exitCode).toBe(255);
    expect(ran.result.lastLine).toMatch(/connect to host 127\.0\.0\.2 port 1: Connection refused/);
    expect(ran.stderr.join('\n')).toMatch(/Connection refused/);
  });

  it('a key the server does not know: fails at once (BatchMode: no prompt) with "Permission denied"', async () => {
    const stranger = join(workspace, 'stranger_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const ran = await run(target('127.0.0.1', { identityFile: stranger }), ['echo', 'never'], {
      sshOptions: ['-F', '/dev/null', '-o', 'IdentitiesOnly=yes'],
    });
    expect(ran.result.exitCode).toBe(255);
    expect(ran.result.lastLine).toMatch(/Permission denied \(publickey\)/);
  });

  // ssh catches the SIGTERM and ends with its own 255. Whether the remote side got to print anything before
  // the timeout depends on the machine's load, so only what follows from the timeout is checked.
  it('a target that runs past its timeout is killed: timedOut, ssh ends with 255', async () => {
    const ran = await run(target('127.0.0.1'), ['sh', '-c', 'echo started; sleep 30; echo finished'], {
      timeoutMs: 1_500,
    });
    expect(ran.result).toMatchObject({ timedOut: true, cancelled: false, exitCode: 255 });
    expect(ran.stdout).not.toContain('finished');
  });

  it('cancel (the AbortSignal) ends a running target', async () => {
    const controller = new AbortController();
    const ran = await run(target('127.0.0.2'), ['sh', '-c', 'echo started; sleep 30; echo finished'], {
      signal: controller.signal,
      onLine: (line) => {
        if (line === 'started') controller.abort();
      },
    });
    expect(ran.result).toMatchObject({
      cancelled: true,
      timedOut: false,
      exitCode: 255,
      lastLine: 'started',
    });
  });
});
