import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import type { CommandResult } from '../../src/domain/job';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { commandHandler } from '../../src/worker/handlers/command';
import { alice, record, waitFor } from '../bus/contractSuite';
import { processAlive } from './workerProcess';

describe('command jobs', () => {
  let bus: Bus;
  const dirs: string[] = [];

  function start(opts: Parameters<typeof commandHandler>[0] = {}): Bus {
    bus = openMemoryBus({
      requester: alice,
      handlers: { command: commandHandler({ killGraceMs: 500, ...opts }) },
    });
    return bus;
  }

  afterEach(async () => {
    await bus?.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function run(payload: Record<string, unknown>, timeoutMs?: number) {
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: payload as never,
      requestedBy: alice,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    return id;
  }

  async function finished(id: string) {
    return waitFor(`job ${id} to finish`, async () => {
      const j = await bus.queue.get(id);
      return j && ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    });
  }

  async function lines(id: string): Promise<string[]> {
    return (await bus.queue.logs(id)).map((l) => l.text);
  }

  it('passes arguments verbatim without a shell', async () => {
    start();
    const id = await run({ program: 'printf', args: ['%s\\n', 'a b', '$HOME', ';echo pwned', '*'] });
    const job = await finished(id);
    expect(job.status).toBe('completed');
    expect(await lines(id)).toEqual(['a b', '$HOME', ';echo pwned', '*']);
  });

  it('runs a shell line only when asked, with the arguments as $1…', async () => {
    start();
    const id = await run({
      program: 'echo "[$1] [$2]" | tr a-z A-Z',
      args: ['one two', 'three'],
      shell: true,
    });
    await finished(id);
    expect(await lines(id)).toEqual(['[ONE TWO] [THREE]']);
  });

  it('runs in the given folder with the given environment', async () => {
    start();
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'infradeck-cmd-')));
    dirs.push(dir);
    const id = await run({
      program: 'sh',
      args: ['-c', 'pwd; echo "$GREETING"'],
      cwd: dir,
      env: { GREETING: 'hi there' },
    });
    await finished(id);
    expect(await lines(id)).toEqual([dir, 'hi there']);
  });

  it('returns the exit code; a non-zero exit fails the job with the code in the error', async () => {
    start();
    const ok = await run({ program: 'true' });
    expect((await finished(ok)).result).toEqual({
      exitCode: 0,
      lines: 0,
      droppedLines: 0,
    } satisfies CommandResult);
    const bad = await run({ program: 'sh', args: ['-c', 'exit 42'] });
    const job = await finished(bad);
    expect(job.status).toBe('failed');
    expect(job.error).toBe('sh exited with code 42');
  });

  it('fails with a clear reason when the program does not exist', async () => {
    start();
    const id = await run({ program: 'no-such-program-xyz' });
    const job = await finished(id);
    expect(job.status).toBe('failed');
    expect(job.error).toBe(`cannot run "no-such-program-xyz": not found (is it on the worker's PATH?)`);
  });

  it('cancel kills the whole process group, children included', async () => {
    start();
    const rec = record(bus);
    const id = await run({
      program: 'sleep 30 & echo $!; sleep 30 & echo $!; echo $$; wait',
      shell: true,
    });
    const pids = await waitFor('three pids', async () => {
      const l = await lines(id);
      return l.length === 3 ? l.map(Number) : undefined;
    });
    expect(pids.every(processAlive)).toBe(true);
    await bus.queue.cancel(id, alice);
    const job = await finished(id);
    expect(job.status).toBe('cancelled');
    await waitFor('every process of the job to be gone', () => pids.every((p) => !processAlive(p)), 5000);
    expect(rec.ofJob(id).map((e: DeckEvent) => e.type)).toContain('job.cancelled');
    rec.stop();
  });

  it('a program that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    start({ killGraceMs: 300 });
    const id = await run({ program: "trap '' TERM; sleep 30 & echo $!; echo $$; wait; wait", shell: true });
    const pids = await waitFor('pids', async () => {
      const l = await lines(id);
      return l.length === 2 ? l.map(Number) : undefined;
    });
    await bus.queue.cancel(id);
    expect((await finished(id)).status).toBe('cancelled');
    await waitFor('both processes gone', () => pids.every((p) => !processAlive(p)), 5000);
  });

  it('a timeout kills the process group and fails the job', async () => {
    start();
    const id = await run({ program: 'sleep 30 & echo $!; wait', shell: true }, 400);
    const [pid] = await waitFor('pid', async () => {
      const l = await lines(id);
      return l.length === 1 ? l.map(Number) : undefined;
    });
    const job = await finished(id);
    expect(job.status).toBe('failed');
    expect(job.error).toBe('timed out after 400 ms');
    await waitFor('sleep gone', () => !processAlive(pid), 5000);
  });

  it('background processes left behind by a finished command are ended with the job', async () => {
    start();
    const id = await run({ program: 'sleep 30 > /dev/null 2>&1 & echo $!', shell: true });
    const job = await finished(id);
    expect(job.status).toBe('completed');
    const [pid] = (await lines(id)).map(Number);
    await waitFor('leftover gone', () => !processAlive(pid), 5000);
  });

  it('keeps binary output and escape sequences as text (invalid UTF-8 becomes U+FFFD)', async () => {
    start();
    const id = await run({
      program: 'printf',
      args: ['\\033[31mred\\033[0m \\000 \\377\\376 é\\n\\033]0;title\\007\\n'],
    });
    expect((await finished(id)).status).toBe('completed');
    expect(await lines(id)).toEqual(['\u001b[31mred\u001b[0m \u0000 \ufffd\ufffd é', '\u001b]0;title\u0007']);
  });

  it('cuts a very long line and says how much was left out', async () => {
    start();
    const id = await run({
      program: 'head -c 100000 /dev/zero | tr "\\000" a; echo; echo next',
      shell: true,
    });
    await finished(id);
    const [long, next] = await lines(id);
    expect(long).toBe(`${'a'.repeat(4096)}… [line cut: ${100_000 - 4096} more characters]`);
    expect(next).toBe('next');
  });

  it('a flood of output keeps memory bounded: over the budget only the tail is published', async () => {
    start({ logBudgetLines: 1000, tailLines: 50 });
    const published: DeckEvent[] = [];
    const stop = bus.events.subscribe('live', (e) => {
      if (e.type === 'job.log') published.push(e);
    });
    const id = await run({ program: 'seq 1 200000', shell: true });
    const job = await finished(id);
    expect(job.status).toBe('completed');
    expect(job.result).toEqual({ exitCode: 0, lines: 200_000, droppedLines: 200_000 - 1000 - 50 });
    await waitFor('tail published', () => published.at(-1)?.message === '200000');
    expect(published).toHaveLength(1000 + 1 + 50);
    expect(published[999].message).toBe('1000');
    expect(published[1000].message).toBe(
      '… 198950 lines not shown (over the log budget of 1000 lines); the last 50 follow …',
    );
    expect(published[1001].message).toBe('199951');
    // the job keeps its last 1,000 lines
    const kept = await bus.queue.logs(id);
    expect(kept.length).toBeLessThanOrEqual(1100);
    expect(kept.at(-1)?.text).toBe('200000');
    stop();
  });

  it('200 MB without a newline does not grow memory', async () => {
    start();
    const before = process.memoryUsage().heapUsed;
    const id = await run({ program: 'head -c 200000000 /dev/zero', shell: true });
    const job = await finished(id);
    expect(job.status).toBe('completed');
    const growth = process.memoryUsage().heapUsed - before;
    expect(growth).toBeLessThan(50_000_000);
    const [line] = await lines(id);
    expect(line).toBe(`${'\u0000'.repeat(4096)}… [line cut: ${200_000_000 - 4096} more characters]`);
  });
});
