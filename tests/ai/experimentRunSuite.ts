import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { parseExperimentFile } from '../../src/domain/experimentSource';
import type { JobStatus } from '../../src/domain/job';
import type {
  AiMetricsEventData,
  ExperimentRunPayload,
  ExperimentRunResult,
} from '../../src/domain/jobKinds/experimentRun';
import { planRuns } from '../../src/services/ai/experiments';
import type { RunMetricsStore } from '../../src/services/ai/runMetrics';
import type { Bus, OpenBusOptions } from '../../src/services/bus/contracts';
import { experimentRunHandler } from '../../src/worker/handlers/experimentRun';
import { alice, waitFor, waitForStatus } from '../bus/contractSuite';

export interface ExperimentTransport {
  name: string;
  open(opts?: Partial<OpenBusOptions>): Promise<Bus>;
  /** A new store of this transport's kind over the same place (`dir`: the test's workspace). */
  store(dir: string): Promise<RunMetricsStore>;
  /** Entries written for a run where this transport keeps them (lines of its file, items of its Redis list). */
  entries(dir: string, run: string): Promise<number>;
  cleanup?(): Promise<void>;
}

/** The script every test runs: `node run.mjs MODE`, printing metrics and log lines the way a training does. */
const script = `
import { existsSync, writeFileSync } from 'node:fs';
const mode = process.argv[2];
const out = (line) => process.stdout.write(line + '\\n');
if (mode === 'train') {
  out('starting: lr ' + process.env.INFRADECK_PARAM_LR + ' (argv ' + process.argv[3] + ') run ' + process.env.INFRADECK_RUN);
  for (let step = 0; step < 300; step++) {
    out(JSON.stringify({ step, loss: 1 / (step + 1), acc: step / 300 }));
    if (step % 50 === 0) out('step=' + step + ' val_loss=' + (2 / (step + 1)));
  }
  out('{"step": 300, "loss": 0.');
  out('{"step": 301, "loss": NaN, "acc": 1}');
  out('{"\\\\u001b[31mloss": 5, "grad_norm": 0.5}');
  process.stderr.write('warning: nothing is wrong\\n');
  out('{"checkpoint": "s3://models/tiny/step-300.pt", "step": 300}');
  out('done');
} else if (mode === 'flood') {
  let chunk = '';
  for (let i = 0; i < 100000; i++) {
    chunk += 'step=' + i + ' loss=' + (1 / (i + 1)) + '\\n';
    if (chunk.length > 65536) { process.stdout.write(chunk); chunk = ''; }
  }
  process.stdout.write(chunk);
  process.stdout.write('{"step": 1, "blob": "' + 'x'.repeat(10 * 1024 * 1024) + '"}\\n');
  out('flood done');
} else if (mode === 'flaky') {
  const again = existsSync('tried');
  writeFileSync('tried', '');
  for (let step = 0; step < (again ? 2 : 5); step++) out('step=' + step + ' loss=' + step);
  process.exit(again ? 0 : 3);
}
`;

/** Experiment runs through real `experimentRun` jobs on a bus of one transport, programs run in a test folder. */
export function experimentRunSuite(transport: ExperimentTransport): void {
  describe(`experiment runs over ${transport.name}`, () => {
    let dir: string;
    let bus: Bus | undefined;
    const stores: RunMetricsStore[] = [];

    afterEach(async () => {
      await bus?.close();
      bus = undefined;
      for (const s of stores.splice(0)) await s.close();
      await transport.cleanup?.();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function start(): Promise<Bus> {
      dir = await mkdtemp(join(tmpdir(), 'infradeck-experiment-'));
      writeFileSync(join(dir, 'run.mjs'), script);
      mkdirSync(join(dir, 'ai', 'experiments'), { recursive: true });
      bus = await transport.open({ requester: alice });
      expect(await bus.state.whenConnected(5000)).toBe(true);
      bus.consume(
        {
          experimentRun: experimentRunHandler({
            killGraceMs: 500,
            metrics: async () => {
              const store = await transport.store(dir);
              return store;
            },
          }),
        },
        { concurrency: 2, heartbeatMs: 200 },
      );
      return bus;
    }

    async function storeOf(): Promise<RunMetricsStore> {
      const store = await transport.store(dir);
      stores.push(store);
      return store;
    }

    /** The runs an experiment file asks for, planned as `infradeck ai run` plans them. */
    async function plan(
      lines: string[],
      overrides?: Record<string, string>,
    ): Promise<ExperimentRunPayload[]> {
      const file = join(dir, 'ai', 'experiments', 'test.yaml');
      writeFileSync(file, lines.join('\n'));
      const parsed = parseExperimentFile(file, lines.join('\n'));
      if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
      const planned = await planRuns(parsed, { dataDir: dir, overrides });
      if (!planned.ok) throw new Error(planned.errors.join('\n'));
      return planned.plan.payloads;
    }

    const enqueue = (payload: ExperimentRunPayload) =>
      bus!.queue.enqueue({ kind: 'experimentRun', payload, requestedBy: alice });

    async function ended(id: string, status: JobStatus) {
      const job = await waitForStatus(bus!, id, status, 30_000);
      return { job, result: job.result as ExperimentRunResult };
    }

    function metricEvents(id: string): { events: DeckEvent[]; stop: () => void } {
      const events: DeckEvent[] = [];
      const stop = bus!.events.subscribe('0', (e) => {
        if (e.type === 'ai.metrics' && e.jobId === id) events.push(e);
      });
      return { events, stop };
    }

    it('stores metric lines as points, streams them in batches, records checkpoints; the rest is the log', async () => {
      await start();
      const [payload] = await plan([
        'command: [node, run.mjs, train, "{lr}"]',
        'params: { lr: 0.05 }',
        'metric: { name: loss, goal: min }',
      ]);
      const id = await enqueue(payload!);
      const { result } = await ended(id, 'completed');

      // 300 loss and 300 acc, 6 val_loss, the NaN line's acc and the escaped line's grad_norm.
      expect(result.points).toBe(300 + 300 + 6 + 1 + 1);
      const loss = result.metrics.find((m) => m.name === 'loss')!;
      expect(loss).toMatchObject({ count: 300, first: 1, min: 1 / 300, max: 1, lastStep: 299 });
      expect(result.metrics.map((m) => m.name)).toEqual(['loss', 'acc', 'val_loss', 'grad_norm']);
      expect(result.checkpoints).toEqual([
        { uri: 's3://models/tiny/step-300.pt', step: 300, time: expect.any(Number) },
      ]);
      expect(result.skipped).toEqual({ halfJson: 1, notFinite: 1, badName: 1 });

      const stored = await (await storeOf()).read(id);
      const series = Object.fromEntries(stored.series.map((s) => [s.name, s.points]));
      expect(series.loss!.map((p) => p.step)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(series.loss![299]).toEqual({ step: 299, value: 1 / 300, time: expect.any(Number) });
      expect(series.val_loss!.map((p) => [p.step, p.value])).toEqual(
        [0, 50, 100, 150, 200, 250].map((s) => [s, 2 / (s + 1)]),
      );
      expect(series.acc!.at(-1)).toMatchObject({ step: 301, value: 1 });
      expect(stored.checkpoints.map((c) => c.uri)).toEqual(['s3://models/tiny/step-300.pt']);

      const log = (await bus!.queue.logs(id)).map((l) => l.text);
      expect(log[0]).toBe(`starting: lr 0.05 (argv 0.05) run ${id}`);
      expect(log).toContain('done');
      expect(log).toContain('warning: nothing is wrong');
      // The half JSON line stays in the log; no metric line is there.
      expect(log).toContain('{"step": 300, "loss": 0.');
      expect(log.some((l) => l.startsWith('{"step":0'))).toBe(false);
      expect(log.some((l) => l.startsWith('step=0'))).toBe(false);
      // Each kind of skip said once when first seen, then the totals: never once per line.
      expect(log.filter((l) => l.startsWith('metrics: skipping'))).toHaveLength(3);
      expect(log).toContain(
        'metrics skipped: 1 line that starts like JSON but does not parse, 1 NaN, Infinity or null value, 1 metric name that is not 1-128 letters, digits, _ . / : -',
      );
      expect(log.find((l) => l.startsWith('metrics: 608 points of 4 metrics'))).toBeDefined();

      // The points came as a few batched events, not one per line; together they carry every point.
      const { events, stop } = metricEvents(id);
      try {
        await waitFor('the ai.metrics events', () => {
          const total = events.reduce((n, e) => n + (e.data as AiMetricsEventData).points, 0);
          return total === result.points ? true : undefined;
        });
      } finally {
        stop();
      }
      expect(events.length).toBeLessThan(50);
      const data = events.map((e) => e.data as AiMetricsEventData);
      expect(data.at(-1)!.total).toBe(result.points);
      expect(data.flatMap((d) => d.checkpoints).map((c) => c.uri)).toEqual(['s3://models/tiny/step-300.pt']);
      expect(data.every((d) => d.run === id && d.experiment === 'test')).toBe(true);
    });

    it('a run of 100,000 points and a 10 MB line: every point stored, the line skipped and said so', async () => {
      await start();
      const [payload] = await plan(['command: [node, run.mjs, flood]']);
      const id = await enqueue(payload!);
      const { result } = await ended(id, 'completed');
      expect(result.points).toBe(100_000);
      expect(result.skipped).toEqual({ tooLong: 1 });
      const stored = await (await storeOf()).read(id);
      expect(stored.series.map((s) => [s.name, s.points.length])).toEqual([['loss', 100_000]]);
      expect(stored.series[0]!.points[99_999]).toMatchObject({ step: 99_999, value: 1 / 100_000 });
      const log = (await bus!.queue.logs(id)).map((l) => l.text);
      expect(log).toContain('flood done');
      expect(log).toContain('metrics skipped: 1 metric line too long to read');
      // Metric lines do not count against the log's budget: nothing was cut from it.
      expect(log.some((l) => l.includes('not shown (over the log budget'))).toBe(false);
    });

    it('a failed run keeps its points; a retry starts again from none', async () => {
      await start();
      const [payload] = await plan(['command: [node, run.mjs, flaky]']);
      const id = await enqueue({ ...payload!, cwd: dir });
      const failed = await ended(id, 'failed');
      expect(failed.job.error).toBe('test: exit 3');
      expect(failed.result.points).toBe(5);
      const store = await storeOf();
      expect((await store.read(id)).series[0]!.points).toHaveLength(5);

      await bus!.queue.retry(id, alice);
      const again = await ended(id, 'completed');
      expect(again.result.points).toBe(2);
      expect((await store.read(id)).series[0]!.points.map((p) => p.value)).toEqual([0, 1]);
    });

    it('a grid makes one run per combination, each with its params in argv and environment', async () => {
      await start();
      const payloads = await plan([
        'command: [sh, -c, "echo step=0 lr=$INFRADECK_PARAM_LR seed={seed}"]',
        'grid: { lr: [0.1, 0.2], seed: [7, 8] }',
      ]);
      expect(payloads.map((p) => p.params)).toEqual([
        { lr: '0.1', seed: '7' },
        { lr: '0.1', seed: '8' },
        { lr: '0.2', seed: '7' },
        { lr: '0.2', seed: '8' },
      ]);
      const ids = await Promise.all(payloads.map(enqueue));
      const store = await storeOf();
      for (const [i, id] of ids.entries()) {
        await ended(id, 'completed');
        const data = await store.read(id);
        const values = Object.fromEntries(data.series.map((s) => [s.name, s.points[0]!.value]));
        expect(values).toEqual({
          lr: Number(payloads[i]!.params.lr),
          seed: Number(payloads[i]!.params.seed),
        });
      }
    });

    it('a `local` run runs on the worker with the target of servers.yaml in its environment', async () => {
      await start();
      writeFileSync(join(dir, 'servers.yaml'), 'servers:\n  - { name: gpu-box, host: 10.1.2.3 }\n');
      const [payload] = await plan([
        'command: [sh, -c, "echo on $INFRADECK_TARGET at $INFRADECK_TARGET_HOST in $PWD; echo step=1 ok=1"]',
        'where: { local: gpu-box }',
      ]);
      expect(payload!.where).toEqual({
        type: 'local',
        target: { name: 'gpu-box', host: '10.1.2.3', port: 22 },
      });
      const id = await enqueue(payload!);
      const { result } = await ended(id, 'completed');
      expect(result.points).toBe(1);
      expect((await bus!.queue.logs(id)).map((l) => l.text)).toContain(`on gpu-box at 10.1.2.3 in ${dir}`);
    });

    it('the points outlive the store that wrote them: a new store reads them back', async () => {
      await start();
      const [payload] = await plan([
        `command: [sh, -c, "echo step=3 loss=0.5; echo '{\\"checkpoint\\": \\"s3://b/k\\"}'"]`,
      ]);
      const id = await enqueue(payload!);
      await ended(id, 'completed');
      expect(await transport.entries(dir, id)).toBeGreaterThan(0);
      // The bus goes away (a restart); a store opened afresh finds the same points.
      await bus!.close();
      bus = undefined;
      const fresh = await storeOf();
      const data = await fresh.read(id);
      expect(data.series).toEqual([
        { name: 'loss', points: [{ step: 3, value: 0.5, time: expect.any(Number) }] },
      ]);
      expect(data.checkpoints.map((c) => c.uri)).toEqual(['s3://b/k']);
      expect(await fresh.read('no-such-run')).toEqual({ series: [], checkpoints: [] });
    });
  });
}
