import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobStatus, JobView } from '../../src/domain/job';
import type { PipelinePayload, PipelineResult } from '../../src/domain/jobKinds/pipeline';
import { localRunOf } from '../../src/domain/pipelineRows';
import { parsePipelineFile } from '../../src/domain/pipelineSource';
import type { Bus, OpenBusOptions } from '../../src/services/bus/contracts';
import { loadPipelineRun, pipelinePayload, retryPayload } from '../../src/services/pipelines/localPipelines';
import { pipelineHandler } from '../../src/worker/handlers/pipeline';
import { pipelineStepHandler } from '../../src/worker/handlers/pipelineStep';
import { alice, waitFor, waitForStatus } from '../bus/contractSuite';
import { processAlive } from '../worker/workerProcess';

export interface PipelineTransport {
  name: string;
  open(opts?: Partial<OpenBusOptions>): Promise<Bus>;
  cleanup?(): Promise<void>;
}

/** Local pipelines run by a bus of one transport in this process, steps as real programs in a folder of the test. */
export function localRunSuite(transport: PipelineTransport): void {
  describe(`local pipeline runs over ${transport.name}`, () => {
    let dir: string;
    let bus: Bus | undefined;

    afterEach(async () => {
      await bus?.close();
      bus = undefined;
      await transport.cleanup?.();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function start(): Promise<Bus> {
      dir = await mkdtemp(join(tmpdir(), 'infradeck-pipeline-'));
      writeFileSync(join(dir, 'runs.txt'), '');
      bus = await transport.open({ requester: alice, policies: { pipelineStep: { backoffMs: 50 } } });
      expect(await bus.state.whenConnected(5000)).toBe(true);
      bus.consume(
        { pipeline: pipelineHandler(), pipelineStep: pipelineStepHandler({ killGraceMs: 500 }) },
        { concurrency: 4, heartbeatMs: 200 },
      );
      return bus;
    }

    /** The pipeline of a YAML text, run in the test's folder. */
    function payloadOf(lines: string[]): PipelinePayload {
      const parsed = parsePipelineFile(join(dir, 'test.yaml'), lines.join('\n'));
      if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
      return pipelinePayload(parsed.pipeline, { file: parsed.file, baseDir: dir });
    }

    /** A step's shell line: records its start and end in runs.txt. */
    const step = (name: string, body = 'true') =>
      `echo "start ${name}" >> runs.txt; (${body}); s=$?; echo "end ${name}" >> runs.txt; exit $s`;

    function runs(): string[] {
      return readFileSync(join(dir, 'runs.txt'), 'utf8').split('\n').filter(Boolean);
    }

    async function ended(id: string, status: JobStatus): Promise<{ job: JobView; result: PipelineResult }> {
      const job = await waitForStatus(bus!, id, status, 30_000);
      return { job, result: job.result as PipelineResult };
    }

    async function statusOf(id: string) {
      const loaded = await loadPipelineRun(bus!.queue, id);
      if (!loaded || !('run' in loaded)) throw new Error(`run ${id} not found`);
      return loaded.run;
    }

    const enqueue = (payload: PipelinePayload) =>
      bus!.queue.enqueue({ kind: 'pipeline', payload, requestedBy: alice });

    it('independent steps run at once; a step starts only once every step it needs passed', async () => {
      await start();
      // b and c each wait (up to 20 s) for the other to have started: they pass only when they run at once.
      const waitFor = (other: string) =>
        `for i in $(seq 200); do grep -qx "start ${other}" runs.txt && exit 0; sleep 0.1; done; exit 1`;
      const payload = payloadOf([
        'steps:',
        `  - { name: a, shell: true, run: '${step('a')}' }`,
        `  - { name: b, shell: true, needs: a, run: '${step('b', waitFor('c'))}' }`,
        `  - { name: c, shell: true, needs: [a], run: '${step('c', waitFor('b'))}' }`,
        `  - { name: d, shell: true, needs: [b, c], run: '${step('d', 'echo "in $PWD for $INFRADECK_PIPELINE/$INFRADECK_STEP"')}' }`,
      ]);
      const id = await enqueue(payload);
      const { result } = await ended(id, 'completed');
      expect(result.status).toBe('passed');
      expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
        ['a', 'passed', 1],
        ['b', 'passed', 1],
        ['c', 'passed', 1],
        ['d', 'passed', 1],
      ]);
      const order = runs();
      expect(order[0]).toBe('start a');
      expect(order[1]).toBe('end a');
      // b and c both started before either ended.
      expect(order.slice(2, 4).sort()).toEqual(['start b', 'start c']);
      expect(order.slice(6)).toEqual(['start d', 'end d']);
      const d = result.steps.find((s) => s.name === 'd')!;
      expect((await bus!.queue.logs(d.jobId!)).map((l) => l.text)).toContain(`in ${dir} for test/d`);
      for (const s of result.steps) expect(s.durationMs).toEqual(expect.any(Number));
    });

    it('a step starts once the steps it needs passed, while a step it does not need still runs', async () => {
      await start();
      // slow passes only if after-quick starts and ends while it runs (it waits up to 20 s for that), then it waits
      // for go-slow.
      const payload = payloadOf([
        'steps:',
        `  - { name: quick, shell: true, run: '${step('quick')}' }`,
        `  - { name: slow, shell: true, run: '${step('slow', 'for i in $(seq 200); do grep -qx "end after-quick" runs.txt && break; sleep 0.1; done; grep -qx "end after-quick" runs.txt || exit 1; while [ ! -e go-slow ]; do sleep 0.05; done')}' }`,
        `  - { name: after-quick, shell: true, needs: quick, run: '${step('after-quick')}' }`,
        `  - { name: last, shell: true, needs: [after-quick, slow], run: '${step('last')}' }`,
      ]);
      const id = await enqueue(payload);
      // The run counts the two steps that passed while slow still runs (slow waits up to 20 s for that: so does this,
      // on a loaded machine three steps' starts can take over 10).
      const counted = await waitFor(
        'the run to count two steps',
        async () => {
          const view = await bus!.queue.get(id);
          return view?.step === 2 ? view : undefined;
        },
        20_000,
      );
      expect([counted.step, counted.total, counted.message]).toEqual([2, 4, 'after-quick passed']);
      writeFileSync(join(dir, 'go-slow'), '');
      const { result } = await ended(id, 'completed');
      expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
        ['quick', 'passed', 1],
        ['slow', 'passed', 1],
        ['after-quick', 'passed', 1],
        ['last', 'passed', 1],
      ]);
      const order = runs();
      expect(order.indexOf('start after-quick')).toBeLessThan(order.indexOf('end slow'));
      expect(order.slice(-2)).toEqual(['start last', 'end last']);
      // The run took as long as its slowest branch, not as long as its last wake (it reads `took 0s` then).
      const { job } = await ended(id, 'completed');
      const slow = result.steps.find((s) => s.name === 'slow')!;
      expect(localRunOf(job, Date.now()).durationMs).toBeGreaterThanOrEqual(slow.durationMs!);
      const quickLog = (await bus!.queue.logs(`${id}.quick`)).map((l) => l.text);
      expect(quickLog).toContain('started after-quick: every step they need passed');
    }, 40_000);

    it('of several steps that one needs, ending together, the last to pass starts it, once', async () => {
      await start();
      const needs = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
      const payload = payloadOf([
        'steps:',
        ...needs.map((n) => `  - { name: ${n}, shell: true, run: '${step(n)}' }`),
        `  - { name: z, shell: true, needs: [${needs.join(', ')}], run: '${step('z')}' }`,
      ]);
      const id = await enqueue(payload);
      const { result } = await ended(id, 'completed');
      expect(result.status).toBe('passed');
      expect(runs().filter((r) => r === 'start z')).toHaveLength(1);
      const starters = [];
      for (const n of needs) {
        const lines = (await bus!.queue.logs(`${id}.${n}`)).map((l) => l.text);
        if (lines.includes('started z: every step they need passed')) starters.push(n);
      }
      expect(starters).toHaveLength(1);
    });

    it('a failed step fails the run and skips its dependents; the other branch goes on', async () => {
      await start();
      const payload = payloadOf([
        'steps:',
        `  - { name: build, shell: true, run: '${step('build', 'echo "compiler says no" >&2; exit 3')}' }`,
        `  - { name: package, shell: true, needs: build, run: '${step('package')}' }`,
        `  - { name: publish, shell: true, needs: package, run: '${step('publish')}' }`,
        `  - { name: docs, shell: true, run: '${step('docs')}' }`,
      ]);
      const id = await enqueue(payload);
      const { job, result } = await ended(id, 'failed');
      expect(job.error).toBe('build failed; 2 skipped');
      expect(result.status).toBe('failed');
      expect(result.steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([
        ['build', 'failed', 3],
        ['package', 'skipped', undefined],
        ['publish', 'skipped', undefined],
        ['docs', 'passed', 0],
      ]);
      expect(runs().sort()).toEqual(['end build', 'end docs', 'start build', 'start docs']);
      const build = await bus!.queue.get(result.steps[0].jobId!);
      expect(build?.error).toBe('build: exit 3');
      expect((await bus!.queue.logs(build!.id)).map((l) => l.text)).toContain('compiler says no');
      expect((await statusOf(id)).status).toBe('failed');
    });

    it('a retry runs only the failed and skipped steps and keeps those that passed', async () => {
      await start();
      const flaky = `if [ -e broken ]; then exit 1; fi`;
      writeFileSync(join(dir, 'broken'), '');
      const payload = payloadOf([
        'steps:',
        `  - { name: deps, shell: true, run: '${step('deps')}' }`,
        `  - { name: test, shell: true, needs: deps, run: '${step('test', flaky)}' }`,
        `  - { name: lint, shell: true, needs: deps, run: '${step('lint')}' }`,
        `  - { name: ship, shell: true, needs: [test, lint], run: '${step('ship')}' }`,
      ]);
      const first = await enqueue(payload);
      await ended(first, 'failed');
      const firstRun = await statusOf(first);
      expect(firstRun.steps.map((s) => [s.name, s.status])).toEqual([
        ['deps', 'passed'],
        ['test', 'failed'],
        ['lint', 'passed'],
        ['ship', 'skipped'],
      ]);
      await rm(join(dir, 'broken'));
      writeFileSync(join(dir, 'runs.txt'), '');

      const again = retryPayload(firstRun)!;
      expect(again.retryOf).toBe(first);
      expect(again.kept.map((k) => k.name)).toEqual(['deps', 'lint']);
      const second = await enqueue(again);
      const { result } = await ended(second, 'completed');
      expect(result.steps.map((s) => [s.name, s.status, s.kept ?? false])).toEqual([
        ['deps', 'passed', true],
        ['test', 'passed', false],
        ['lint', 'passed', true],
        ['ship', 'passed', false],
      ]);
      // Only the failed and the skipped step ran again.
      expect(runs()).toEqual(['start test', 'end test', 'start ship', 'end ship']);
      // A kept step points at the job it passed in.
      expect(result.steps[0].jobId).toBe(firstRun.steps[0].jobId);
      expect(retryPayload(await statusOf(second))).toBeUndefined();
    });

    it('a step with retry: 2 that fails once passes on its second attempt', async () => {
      await start();
      const once = 'if [ ! -e tried ]; then touch tried; echo "first try fails" >&2; exit 1; fi';
      const payload = payloadOf([
        'steps:',
        `  - { name: flaky, shell: true, retry: 2, run: '${step('flaky', once)}' }`,
        `  - { name: after, shell: true, needs: flaky, run: '${step('after')}' }`,
      ]);
      const id = await enqueue(payload);
      const { result } = await ended(id, 'completed');
      expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
        ['flaky', 'passed', 2],
        ['after', 'passed', 1],
      ]);
      expect(runs()).toEqual([
        'start flaky',
        'end flaky',
        'start flaky',
        'end flaky',
        'start after',
        'end after',
      ]);
    });

    it('cancel stops the running steps (their processes end) and the run is cancelled', async () => {
      await start();
      const payload = payloadOf([
        'steps:',
        `  - { name: slow, shell: true, run: 'echo $$ > slow.pid; exec sleep 60' }`,
        `  - { name: quick, shell: true, run: '${step('quick')}' }`,
        `  - { name: later, shell: true, needs: [slow, quick], run: '${step('later')}' }`,
      ]);
      const id = await enqueue(payload);
      const pidFile = join(dir, 'slow.pid');
      await waitFor(
        'the slow step to run',
        () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(),
      );
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(processAlive(pid)).toBe(true);
      await waitFor('quick to pass', async () => (await statusOf(id)).steps[1].status === 'passed');
      await bus!.queue.cancel(id, alice);
      await waitForStatus(bus!, id, 'cancelled', 20_000);
      await waitFor('the slow step’s process to end', () => !processAlive(pid), 20_000);
      const run = await statusOf(id);
      expect(run.status).toBe('cancelled');
      expect(run.steps.map((s) => [s.name, s.status])).toEqual([
        ['slow', 'cancelled'],
        ['quick', 'passed'],
        ['later', 'cancelled'],
      ]);
      expect(runs()).not.toContain('start later');
      const again = retryPayload(run)!;
      expect(again.kept.map((k) => k.name)).toEqual(['quick']);
    });
  });
}
