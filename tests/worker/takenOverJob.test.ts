import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobsCommand } from '../../src/commands/jobs';
import type { CommandPayload, CommandResult } from '../../src/domain/jobKinds/command';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { alice, record, waitFor, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';
import {
  buildWorkerEntry,
  killWorkerProcesses,
  startWorkerProcess,
  type WorkerProcess,
} from './workerProcess';

/** What a job taken over from a killed worker reports: the whole job, every run of it, not its last run alone. */
describe.skipIf(skipRedis)('a job taken over from a killed worker reports all its runs', () => {
  let entry: { file: string; remove: () => void };
  let prefix: string;
  let bus: Bus;
  let stopRecording: (() => void) | undefined;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    entry = await buildWorkerEntry();
  });
  afterAll(() => entry?.remove());

  afterEach(async () => {
    stopRecording?.();
    await killWorkerProcesses(processes);
    await bus?.close();
    await deletePrefix(prefix);
  });

  // A dead worker's job is taken over in about two seconds; a live one on a busy machine keeps its lock.
  function worker(): WorkerProcess {
    const p = startWorkerProcess(
      entry.file,
      ['--concurrency', '1', '--lock-ms', '2000', '--stalled-ms', '300', '--heartbeat-ms', '200'],
      { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, USER: 'worker-user' },
    );
    processes.push(p);
    return p;
  }

  /** Two workers; a command job queued; the worker that prints `line` first is killed. The job's id. */
  async function killedOnce(payload: CommandPayload, line: string) {
    prefix = `hw-${uniquePrefix('takenover')}`;
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const rec = record(bus);
    stopRecording = rec.stop;
    const pair = [worker(), worker()];
    await waitFor('two workers online', async () => (await bus.workers()).length === 2 || undefined, 40_000);
    const id = await bus.queue.enqueue({ kind: 'command', payload, requestedBy: alice });
    const first = await waitFor(
      `the first run printing ${line}`,
      () => {
        const printed = rec.ofJob(id).find((e) => e.type === 'job.log' && e.message === line);
        return printed && 'worker' in printed.source ? printed.source.worker : undefined;
      },
      40_000,
    );
    const p = pair.find((w) => first.endsWith(`:${w.child.pid}`))!;
    p.child.kill('SIGKILL');
    await p.exited;
    return id;
  }

  function io(json: boolean) {
    const stdout = new Capture();
    const stderr = new Capture();
    return {
      stdout,
      stderr,
      json,
      env: { USER: 'alice', REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix },
    };
  }

  it('jobs ID --json gives the start the human view gives, the first run’s; lines count both runs', async () => {
    const id = await killedOnce(
      { program: 'for i in 1 2 3; do echo "line $i"; sleep 0.3; done', args: [], shell: true },
      'line 1',
    );
    const done = await waitForStatus(bus, id, 'completed', 40_000);
    expect(done.runs?.map((r) => r.outcome)).toEqual(['lost', 'completed']);

    const human = io(false);
    expect(await jobsCommand([id], human)).toBe(0);
    const started = /^started\s+(\S+)$/m.exec(human.stdout.text)?.[1];
    const json = io(true);
    expect(await jobsCommand([id], json)).toBe(0);
    const { job } = JSON.parse(json.stdout.text);
    expect(new Date(job.startedAt).toISOString()).toBe(started);
    expect(job.startedAt).toBe(done.runs![0].startedAt);
    // Each run is there for a script: when it began and ended, how, on which worker.
    expect(job.runs.map((r: { outcome: string }) => r.outcome)).toEqual(['lost', 'completed']);
    const list = io(true);
    expect(await jobsCommand([], list)).toBe(0);
    expect(JSON.parse(list.stdout.text).jobs[0].startedAt).toBe(job.startedAt);

    // Its lines are all it printed: the killed run's and the second run's, as its log holds them.
    const output = (await bus.queue.logs(id)).filter((l) => l.stream !== 'info');
    expect(output.length).toBeGreaterThan(3);
    expect((done.result as CommandResult).lines).toBe(output.length);
  }, 120_000);
});
