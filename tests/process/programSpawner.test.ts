import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupAlive } from '../../src/services/process/processGroup';
import { spawnMethod, spawnProgram } from '../../src/services/process/programSpawner';
import { waitFor } from '../bus/contractSuite';
import { buildWorkerEntry } from '../worker/workerProcess';

const env = { PATH: process.env.PATH };

/** Every byte of a stream, once it ended. */
async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The spawner helpers this process started (their pids). */
function spawnerPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (
          ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('infradeck-spawner')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('the program spawner', () => {
  it('gives the program its output streams, its exit, and a process group of its own', async () => {
    const program = await spawnProgram(
      {
        file: '/bin/sh',
        argv: ['-c', 'echo out; echo err >&2; echo "$X"; exit 3'],
        env: { ...env, X: 'given' },
      },
      1_000,
    );
    const [out, err, exit] = await Promise.all([
      drain(program.stdout),
      drain(program.stderr),
      program.exited,
    ]);
    expect(out.toString()).toBe('out\ngiven\n');
    expect(err.toString()).toBe('err\n');
    expect(exit).toEqual({ code: 3, signal: null });
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const ownGroup = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(program.pid).not.toBe(ownGroup);
  });

  it('says why a program cannot start, with the error code', async () => {
    await expect(spawnProgram({ file: 'no-such-program-here', argv: [], env }, 1_000)).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(
      spawnProgram({ file: 'true', argv: [], cwd: '/no/such/folder', env }, 1_000),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a reader that stops reading holds the program back: nothing piles up in between', async () => {
    const size = 20_000_000;
    const program = await spawnProgram({ file: 'head', argv: ['-c', String(size), '/dev/zero'], env }, 1_000);
    let ended = false;
    void program.exited.then(() => {
      ended = true;
    });
    // Unread, 20 MB would be through in a few milliseconds; held back, the program waits on its pipe.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ended).toBe(false);
    const [out, exit] = await Promise.all([drain(program.stdout), program.exited, drain(program.stderr)]);
    expect(out.length).toBe(size);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  describe('when the worker dies', () => {
    let entry: Awaited<ReturnType<typeof buildWorkerEntry>>;
    beforeAll(async () => {
      entry = await buildWorkerEntry('tests/process/fixtures/spawnThenDie.ts');
    });
    afterAll(() => entry?.remove());

    it('the program it had just started goes with it, children included (SIGKILL right after the fork)', async () => {
      const child = spawn(process.execPath, [entry.file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_c, s) => resolve(s)),
      );
      expect(await exited).toBe('SIGKILL');
      const pgid = Number(out.trim());
      expect(pgid).toBeGreaterThan(1);
      // SIGTERM reaches the group as soon as the spawner hears its worker is gone (grace 1 s before SIGKILL).
      await waitFor('the program group gone', () => !groupAlive(pgid), 5_000);
    });
  });

  it('a spawner that died ends its programs as killed, and the next program starts a new one', async () => {
    const program = await spawnProgram({ file: 'sleep', argv: ['60'], env }, 1_000);
    const helpers = spawnerPids();
    expect(helpers.length).toBeGreaterThan(0);
    for (const pid of helpers) process.kill(pid, 'SIGKILL');
    expect(await program.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The program itself is the worker's to end (as with any group left behind).
    process.kill(-program.pid, 'SIGKILL');
    const next = await spawnProgram({ file: 'echo', argv: ['again'], env }, 1_000);
    expect((await drain(next.stdout)).toString()).toBe('again\n');
    expect(spawnerPids().some((pid) => !helpers.includes(pid))).toBe(true);
  });
  describe("on Linux, with libc's posix_spawnp", () => {
    const run = async (request: Parameters<typeof spawnProgram>[0], graceMs = 1_000) => {
      const program = await spawnProgram(request, graceMs);
      const [out, err, exit] = await Promise.all([
        drain(program.stdout),
        drain(program.stderr),
        program.exited,
      ]);
      return { out: out.toString(), err: err.toString(), exit };
    };

    it('starts programs without a fork, each as Node would: signals at their default, none blocked', async () => {
      const status = await run({ file: 'cat', argv: ['/proc/self/status'], env });
      expect(spawnMethod(1_000)).toBe('posix_spawn');
      // glibc's own signals (32, 33) included: an ignored signal would stay ignored in the program.
      expect(status.out).toMatch(/^SigIgn:\s+0+$/m);
      expect(status.out).toMatch(/^SigBlk:\s+0+$/m);
      expect(status.exit).toEqual({ code: 0, signal: null });
    });

    it("finds the program on the program's own PATH, runs a script without #! by /bin/sh, in its cwd", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'infradeck-spawn-'));
      try {
        writeFileSync(join(dir, 'hello'), 'echo "hello from $(pwd) $1"\n');
        chmodSync(join(dir, 'hello'), 0o755);
        const found = await run({
          file: 'hello',
          argv: ['there'],
          cwd: dir,
          env: { PATH: `${dir}:/usr/bin:/bin` },
        });
        expect(found.out).toBe(`hello from ${dir} there\n`);
        await expect(spawnProgram({ file: 'hello', argv: [], env }, 1_000)).rejects.toMatchObject({
          code: 'ENOENT',
        });
        await expect(
          spawnProgram({ file: 'true', argv: [], cwd: join(dir, 'gone'), env }, 1_000),
        ).rejects.toMatchObject({ code: 'ENOENT' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("forks with Node's spawn where koffi cannot be loaded", async () => {
      process.env.INFRADECK_KOFFI = '/no/such/koffi.js';
      try {
        // Another grace period: another helper, started with that koffi.
        const echoed = await run({ file: 'echo', argv: ['still runs'], env }, 3_000);
        expect(echoed.out).toBe('still runs\n');
        expect(spawnMethod(3_000)).toBe('fork');
      } finally {
        delete process.env.INFRADECK_KOFFI;
      }
    });
  });
});
