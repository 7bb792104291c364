import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobLogLine, JobView } from '../../src/domain/job';
import type { BatchTargetPayload } from '../../src/domain/jobKinds/batch';
import { lastLineOf } from '../../src/screens/batch/targetColumns';
import { targetLastLine } from '../../src/services/batch/batchRuns';
import type { JobContext } from '../../src/services/bus/contracts';
import { JobFailure } from '../../src/services/bus/jobFailure';
import { jobFlow } from '../../src/services/bus/jobFlow';
import { batchTargetHandler, type TargetStartMark } from '../../src/worker/handlers/batchTarget';
import { alice } from '../bus/scriptedHandler';

/** A context as a transport gives one, with the saved state it read with the job and the log its runs wrote. */
function contextWith(
  state: unknown,
  saved: unknown[],
  lines: string[],
  output: JobLogLine[] = [],
): JobContext {
  return {
    jobId: '12.web-1',
    attempt: 1,
    requestedBy: alice,
    signal: new AbortController().signal,
    progress: () => {},
    log: async (line) => {
      lines.push(line);
    },
    emit: async () => {},
    flow: jobFlow({
      state,
      save: async (s) => {
        saved.push(s);
      },
      addChildren: async () => [],
      children: async () => [],
      // The log as kept: the earlier runs' lines, then what this run has logged so far.
      output: async () => [
        ...output,
        ...lines.map((text, i) => ({ attempt: 2, seq: i, stream: 'info' as const, text, at: 0 })),
      ],
    }),
  };
}

describe('a batch target delivered again (its worker died while it ran)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-target-mark-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const payload = (): BatchTargetPayload => ({
    batch: 'restart-web',
    wave: 1,
    target: { key: 'web-1', name: 'web-1', host: '10.0.0.5', source: 'list' },
    action: { type: 'local', program: 'touch', args: [join(dir, 'ran')] },
    timeoutMs: 10_000,
  });

  it('marks the start before running, then runs once', async () => {
    const saved: unknown[] = [];
    const result = await batchTargetHandler({ dataDir: dir })(payload(), contextWith(undefined, saved, []));
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(existsSync(join(dir, 'ran'))).toBe(true);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ worker: expect.stringMatching(/:\d+$/), startedAt: expect.any(Number) });
  });

  it('fails at once, saying so, and does not run the action again', async () => {
    const mark: TargetStartMark = { startedAt: Date.parse('2026-03-01T10:00:00Z'), worker: 'host-a:4242' };
    const lines: string[] = [];
    const failure = await batchTargetHandler({ dataDir: dir })(payload(), contextWith(mark, [], lines)).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(JobFailure);
    const message =
      'its worker died while it ran (host-a:4242, started 2026-03-01T10:00:00.000Z); not run twice';
    expect((failure as JobFailure).message).toBe(message);
    expect((failure as JobFailure).permanent).toBe(true);
    // Nobody saw the program end: its time is unknown (null), not 0 and not the time the death took to be found.
    expect((failure as JobFailure).result).toEqual({
      durationMs: null,
      lastLine: '',
      timedOut: false,
      notRunTwice: true,
    });
    expect(lines).toEqual([message]);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it("keeps the program's last line from the earlier run, not its own message", async () => {
    const mark: TargetStartMark = { startedAt: 0, worker: 'host-a:4242' };
    const output: JobLogLine[] = [
      { attempt: 1, seq: 0, stream: 'info', text: 'attempt 1 on host-a:4242', at: 0 },
      { attempt: 1, seq: 1, stream: 'stdout', text: 'stopping nginx', at: 0 },
      { attempt: 1, seq: 2, stream: 'stderr', text: '  nginx: 3 workers left  ', at: 0 },
      { attempt: 1, seq: 3, stream: 'stdout', text: '   ', at: 0 },
    ];
    const failure = await batchTargetHandler({ dataDir: dir })(
      payload(),
      contextWith(mark, [], [], output),
    ).catch((e: unknown) => e);
    expect((failure as JobFailure).result).toMatchObject({
      lastLine: 'nginx: 3 workers left',
      notRunTwice: true,
    });
  });

  it("an ssh target's last line leaves ssh's own lines out", async () => {
    const mark: TargetStartMark = { startedAt: 0, worker: 'host-a:4242' };
    const output: JobLogLine[] = [
      { attempt: 1, seq: 1, stream: 'stdout', text: 'restarting', at: 0 },
      {
        attempt: 1,
        seq: 2,
        stream: 'stderr',
        text: "Warning: Permanently added '10.0.0.5' (ED25519) to the list of known hosts.",
        at: 0,
      },
    ];
    const ssh: BatchTargetPayload = { ...payload(), action: { type: 'ssh', program: 'true', args: [] } };
    const failure = await batchTargetHandler({ dataDir: dir })(ssh, contextWith(mark, [], [], output)).catch(
      (e: unknown) => e,
    );
    expect((failure as JobFailure).result).toMatchObject({ lastLine: 'restarting' });
  });

  it('the Batch screen and the CLI say why it failed, not its last line', () => {
    const error =
      'its worker died while it ran (host-a:4242, started 2026-03-01T10:00:00.000Z); not run twice';
    const job = {
      id: '12.web-1',
      status: 'failed',
      error,
      result: { durationMs: null, lastLine: 'stopping nginx', timedOut: false, notRunTwice: true },
    } as unknown as JobView;
    expect(targetLastLine(job)).toBe(error);
    expect(lastLineOf({ target: { key: 'web-1', name: 'web-1', wave: 1, status: 'failed' }, job })).toBe(
      error,
    );
  });

  it('a worker that stopped and handed it back is named as such, with the time it saw the program run', async () => {
    const mark: TargetStartMark = { startedAt: 0, worker: 'host-b:7', handedBack: true, durationMs: 2_300 };
    const failure = await batchTargetHandler({ dataDir: dir })(payload(), contextWith(mark, [], [])).catch(
      (e: unknown) => e,
    );
    expect((failure as Error).message).toMatch(/^its worker stopped while it ran \(host-b:7, /);
    expect((failure as JobFailure).result).toMatchObject({ durationMs: 2_300 });
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('a stopping worker that ends the program saves how long it ran in the mark', async () => {
    const saved: unknown[] = [];
    const stopping = new AbortController();
    const ctx = { ...contextWith(undefined, saved, []), signal: stopping.signal };
    const running = batchTargetHandler({ dataDir: dir, killGraceMs: 200 })(
      { ...payload(), action: { type: 'local', program: 'sleep', args: ['30'] } },
      ctx,
    );
    await expect.poll(() => saved.length).toBe(1);
    stopping.abort({ kind: 'release', message: 'the worker is stopping' });
    await running;
    expect(saved[1]).toMatchObject({ handedBack: true, durationMs: expect.any(Number) });
  });
});
