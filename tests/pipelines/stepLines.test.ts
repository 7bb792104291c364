import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobLogLine } from '../../src/domain/job';
import type { PipelineStepPayload, PipelineStepResult } from '../../src/domain/jobKinds/pipeline';
import type { Bus } from '../../src/services/bus/contracts';
import { detachedFlow } from '../../src/services/bus/jobFlow';
import { openBus } from '../../src/services/bus/openBus';
import { pipelineStepHandler, type StepStartMark } from '../../src/worker/handlers/pipelineStep';
import { alice, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { recordedJob } from '../projects/fakeJob';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'infradeck-steplines-'));
  dirs.push(d);
  return d;
}

function stepPayload(run: string, attempts: number, cwd: string): PipelineStepPayload {
  return {
    pipeline: 'build',
    step: { name: 'test', program: run, args: [], shell: true, env: {}, cwd, attempts },
  };
}

/** Output as a run's log holds it: `attempt`, its lines numbered from `base`, the marker first when `marker`. */
function runLines(attempt: number, base: number, n: number, marker = false): JobLogLine[] {
  const out: JobLogLine[] = [];
  let seq = base;
  if (marker) out.push({ attempt, seq: seq++, stream: 'info', text: '--- attempt #2 ---', at: 0 });
  for (let i = 1; i <= n; i++) out.push({ attempt, seq: seq++, stream: 'stdout', text: `line ${i}`, at: 0 });
  return out;
}

/** A delivery of a step whose earlier run (its worker killed) left `logs` and its start mark. */
function takenOver(logs: JobLogLine[], starts = 1) {
  const ctx = recordedJob('7.test', 1);
  const mark: StepStartMark = { starts, startedAt: 1, worker: 'web-1:4100' };
  const flow = detachedFlow();
  ctx.flow = { ...flow, state: <T>() => mark as T, output: async () => logs };
  return ctx;
}

describe("a pipeline step's lines", () => {
  it('a step whose worker was killed after 5 lines, no attempt left: its result counts the 5 lines', async () => {
    const ctx = takenOver(runLines(1, 0, 5));
    const failure = await pipelineStepHandler()(stepPayload('echo never', 1, folder()), ctx).catch((e) => e);
    expect(failure.message).toMatch(/its worker died while it ran/);
    expect(failure.result).toEqual({ durationMs: null, lines: 5, starts: 1 });
  });

  it('run again after its worker was killed: the lines of both runs', async () => {
    const ctx = takenOver(runLines(1, 0, 5));
    const result = await pipelineStepHandler()(stepPayload('echo a; echo b; echo c', 2, folder()), ctx);
    expect(result).toMatchObject({ exitCode: 0, lines: 8, starts: 2 });
  });

  it('a run whose first lines the log no longer keeps counts them by their numbers', async () => {
    // The first run printed 1,500 lines; the log keeps its last 1,000 (seq 500…1499), then a taken-over run's 2.
    const logs = [...runLines(1, 0, 1500).slice(500), ...runLines(1, 2 ** 32, 2, true)];
    const ctx = takenOver(logs, 2);
    const failure = await pipelineStepHandler()(stepPayload('echo never', 2, folder()), ctx).catch((e) => e);
    expect(failure.result).toMatchObject({ durationMs: null, lines: 1502 });
  });
});

describe.skipIf(skipRedis)("a step's lines across attempts, on both transports", () => {
  const prefix = uniquePrefix('steplines');
  let bus: Bus | undefined;
  afterEach(async () => {
    await bus?.close();
    bus = undefined;
    await deletePrefix(prefix);
  });

  for (const transport of ['memory', 'redis'] as const) {
    it(`${transport}: a step that failed with 5 lines then passed with 3 counts 8`, async () => {
      bus = await openBus({
        requester: alice,
        policies: { pipelineStep: { backoffMs: 50 } },
        ...(transport === 'redis' ? { redisUrl, prefix } : {}),
      });
      expect(await bus.state.whenConnected(5000)).toBe(true);
      bus.consume({ pipelineStep: pipelineStepHandler({ killGraceMs: 500 }) });
      const dir = folder();
      const run =
        'if [ -e tried ]; then echo x; echo y; echo z; else touch tried; for i in 1 2 3 4 5; do echo $i; done; exit 1; fi';
      const id = await bus.queue.enqueue({
        kind: 'pipelineStep',
        payload: stepPayload(run, 2, dir),
        requestedBy: alice,
        attempts: 2,
      });
      const job = await waitForStatus(bus, id, 'completed', 20_000);
      expect((job.result as PipelineStepResult).lines).toBe(8);
      const output = (await bus.queue.logs(id)).filter((l) => l.stream !== 'info');
      expect(output).toHaveLength(8);
    });
  }
});
