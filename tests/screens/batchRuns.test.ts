import { describe, expect, it } from 'vitest';
import { adHocBatch } from '../../src/domain/batch';
import { planBatch } from '../../src/domain/batchPlan';
import { batchPayload, batchRunView } from '../../src/domain/batchRun';
import type { BatchTarget } from '../../src/domain/batchTargets';
import type { JobView } from '../../src/domain/job';
import { batchPayloadSchema } from '../../src/domain/jobKinds/batch';
import { batchColumns } from '../../src/screens/batch/batchColumns';
import { waveLines } from '../../src/screens/batch/waveLines';
import { batchRunsOf, retryPlanOf } from '../../src/state/slices/batches';

const targets: BatchTarget[] = Array.from({ length: 10 }, (_, i) => ({
  key: `10.0.0.${i + 1}_22`,
  name: `web-${i + 1}`,
  host: `10.0.0.${i + 1}`,
  port: 22,
  source: 'servers.yaml',
}));

function plan(serial: string) {
  const read = adHocBatch({
    name: 'roll',
    targets: [{ names: targets.map((t) => t.name) }],
    action: { type: 'local', program: 'true', args: [] },
    serial,
    pause: 'manual',
  });
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  return planBatch(read.batch, targets);
}

const job = (over: Partial<JobView>): JobView => ({
  id: '7',
  kind: 'batch',
  status: 'active',
  step: 0,
  total: 0,
  attempts: 1,
  maxAttempts: 3,
  requestedBy: { user: 'ada', host: 'jump1' },
  createdAt: 1_000,
  payload: undefined,
  ...over,
});

/** The child of target `i` (0-based) of run 7, as the queue lists it. */
const child = (i: number, status: JobView['status'], exitCode?: number): JobView =>
  job({
    id: `7.t${i}`,
    kind: 'batchTarget',
    status,
    parentId: '7',
    payload: { target: targets[i] },
    ...(exitCode !== undefined ? { result: { exitCode, durationMs: 5, lastLine: '', timedOut: false } } : {}),
  });

describe('batch runs as the Batch tab reads them', () => {
  it('a plan becomes a payload the batch kind accepts, the targets as resolved', () => {
    const payload = batchPayload(plan('2'), '41');
    expect(batchPayloadSchema.parse(payload)).toEqual(payload);
    expect(payload).toMatchObject({
      name: 'roll',
      serial: [{ count: 2 }],
      pause: { manual: true },
      retryOf: '41',
    });
    expect(payload.targets[0]).toEqual(targets[0]);
  });

  it('derives a run from its job and children, the target key read from a child that does not carry it', () => {
    const payload = batchPayload(plan('2'));
    const runs = batchRunsOf(
      new Map([
        ['7', job({ payload, status: 'waiting' })],
        ['7.t0', child(0, 'completed', 0)],
        ['7.t1', child(1, 'failed', 2)],
        ['8', job({ id: '8', kind: 'command', payload: { program: 'true' } })],
      ]),
    );
    expect([...runs.keys()]).toEqual(['7']);
    const run = runs.get('7')!;
    expect(run.targets.slice(0, 3).map((t) => [t.name, t.status, t.exitCode])).toEqual([
      ['web-1', 'ok', 0],
      ['web-2', 'failed', 2],
      ['web-3', 'pending', undefined],
    ]);
    expect(run.status).toBe('failed');
  });

  it('R: the failed and cancelled targets only, in their order, in waves of the same serial', () => {
    const payload = batchPayload(plan('2'));
    const result = {
      status: 'failed',
      stoppedAt: 1,
      targets: targets.map((t, i) => ({
        key: t.key,
        name: t.name,
        wave: Math.floor(i / 2) + 1,
        status: i === 1 ? 'failed' : i === 0 ? 'ok' : i === 2 ? 'cancelled' : 'skipped',
      })),
    };
    const run = batchRunView(job({ payload, status: 'failed', result }), [])!;
    const again = retryPlanOf(run)!;
    expect(again.targets.map((t) => t.name)).toEqual(['web-2', 'web-3']);
    expect(again.waves.map((w) => w.map((t) => t.name))).toEqual([['web-2', 'web-3']]);
    expect(again.batch.pause).toEqual({ manual: true });
    const done = batchRunView(
      job({
        payload,
        status: 'completed',
        result: {
          ...result,
          status: 'completed',
          targets: result.targets.map((t) => ({ ...t, status: 'ok' })),
        },
      }),
      [],
    )!;
    expect(retryPlanOf(done)).toBeUndefined();
  });

  it('shows the waves around the current one when they do not all fit', () => {
    const payload = batchPayload(plan('1'));
    const children = [0, 1, 2, 3, 4].map((i) => child(i, 'completed', 0));
    children.push(child(5, 'active'));
    const byId = new Map([job({ payload, status: 'waiting' }), ...children].map((j) => [j.id, j]));
    const run = batchRunsOf(byId).get('7')!;
    const { lines, first, waves } = waveLines(run, 3);
    expect(waves).toBe(10);
    expect(first).toBe(5);
    expect(lines.map((l) => l.wave)).toEqual([5, 6, 7]);
    expect(lines[1].text).toMatch(/^wave {2}6 {2}░+ {3}0% +1 target +1 running {2}running$/);
    expect(lines[0].text).toMatch(/wave {2}5 {2}█+ 100% +1 target +1 ok {2}done$/);
    expect(lines[2].text).toMatch(/pending$/);
  });

  it('a narrow pane: a wave line gives up its bar, then its count of targets, never where the wave is', () => {
    const payload = batchPayload(plan('5'));
    const children = [0, 1, 2, 3, 4].map((i) => child(i, 'completed', 0));
    const byId = new Map([job({ payload, status: 'paused' }), ...children].map((j) => [j.id, j]));
    const run = batchRunsOf(byId).get('7')!;
    expect(run.status).toBe('paused');
    const wide = waveLines(run, 3).lines[1].text;
    expect(wide).toMatch(/^wave 2 {2}░{10} {3}0% +5 targets {2}- {2}next: waiting for A \(advance\)$/);
    // The Run view at 60 columns leaves 58 for a line: the bar goes first.
    const at58 = waveLines(run, 3, 58).lines.map((l) => l.text);
    expect(at58[1]).toBe('wave 2   0%    5 targets  -  next: waiting for A (advance)');
    expect(at58[0]).toBe('wave 1 100%    5 targets  5 ok  done');
    // Narrower still: the count of targets goes too.
    expect(waveLines(run, 3, 50).lines[1].text).toBe('wave 2   0%  -  next: waiting for A (advance)');
    for (const width of [58, 50]) {
      for (const line of waveLines(run, 3, width).lines) expect(line.text.length).toBeLessThanOrEqual(width);
    }
  });

  it('a cancelled run: the list counts its cancelled targets, and a wave that never started reads never ran', () => {
    const payload = batchPayload(plan('1'));
    const cut = { ...child(1, 'cancelled'), startedAt: 2_000, finishedAt: 5_000 };
    const byId = new Map(
      [job({ payload, status: 'cancelled' }), child(0, 'completed', 0), cut].map((j) => [j.id, j]),
    );
    const run = batchRunsOf(byId).get('7')!;
    expect(run.counts).toMatchObject({ ok: 1, failed: 0, skipped: 0, cancelled: 9 });

    const { lines } = waveLines(run, 3);
    expect(lines.map((l) => l.wave)).toEqual([1, 2, 3]);
    // Wave 2's target was stopped while it ran; wave 3 was cancelled before it started: an empty bar.
    expect(lines[1].text).toMatch(/^wave {2}2 {2}█{10} 100% +1 target +1 cancelled {2}cancelled$/);
    expect(lines[2].text).toMatch(/^wave {2}3 {2}░{10} {3}0% +1 target +1 cancelled {2}never ran$/);

    const cells = Object.fromEntries(
      batchColumns(() => 10_000).map((c) => [
        c.title,
        c.value({ kind: 'run', key: 'run:7', name: 'roll', run }),
      ]),
    );
    expect(cells).toMatchObject({ OK: '1', FAIL: '0', SKIP: '0', CANC: '9' });
    // What ran: 2 of 10, not the 100% of 10 targets that all ended.
    expect(cells.PROGRESS).toBe('██░░░░░░  20%');
  });
});
