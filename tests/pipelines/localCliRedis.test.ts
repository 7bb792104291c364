import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { parsePipelineFile } from '../../src/domain/pipelineSource';
import { runHeadless } from '../../src/headless';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { pipelinePayload } from '../../src/services/pipelines/localPipelines';
import { pipelineHandler } from '../../src/worker/handlers/pipeline';
import { pipelineStepHandler } from '../../src/worker/handlers/pipelineStep';
import { alice, waitFor, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';

interface RunJson {
  run: string;
  status: string;
  error?: string;
  approval?: { state: string; why: string };
  steps: Array<{ name: string; status: string; attempts: number; job?: string }>;
}

/** `infradeck pipeline …` in this process against a Redis of its own prefix, people played with `USER`. */
describe.skipIf(skipRedis)('infradeck pipeline status and run --wait over Redis', () => {
  let dir: string;
  let dataDir: string;
  let prefix: string;
  let bus: Bus | undefined;

  afterEach(async () => {
    await bus?.close();
    bus = undefined;
    await deletePrefix(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function setUp(label: string, pipeline: string[]) {
    prefix = uniquePrefix(label);
    dir = await mkdtemp(join(tmpdir(), `infradeck-${label}-`));
    dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'pipelines'), { recursive: true });
    writeFileSync(join(dataDir, 'pipelines', 'build.yaml'), pipeline.join('\n'));
  }

  function infradeck(user: string, ...argv: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const env = {
      HOME: dir,
      REDIS_URL: redisUrl,
      INFRADECK_REDIS_PREFIX: prefix,
      USER: user,
      PATH: process.env.PATH,
    };
    const done = runHeadless(parseCli(['--data', dataDir, ...argv]), env, { stdout, stderr });
    return {
      stderr,
      ended: done.then((code) => ({ code, stdout: stdout.text, stderr: stderr.text })),
    };
  }
  const run = (user: string, ...argv: string[]) => infradeck(user, ...argv).ended;

  it('a step whose job waits for a worker is pending, not running', async () => {
    await setUp('pipeline-cli-queued', [
      'steps:',
      `  - { name: a, shell: true, run: 'while [ ! -e $GO ]; do sleep 0.05; done' }`,
      `  - { name: b, shell: true, run: 'while [ ! -e $GO ]; do sleep 0.05; done' }`,
      '',
    ]);
    const go = join(dir, 'go');
    const file = join(dataDir, 'pipelines', 'build.yaml');
    const parsed = parsePipelineFile(file, readFileSync(file, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const payload = pipelinePayload(parsed.pipeline, { file, baseDir: dir });
    for (const s of payload.steps) s.env = { GO: go };
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    // One slot: the run hands it back while it waits for its steps, then one step takes it and the other waits.
    bus.consume(
      { pipeline: pipelineHandler(), pipelineStep: pipelineStepHandler({ killGraceMs: 500 }) },
      { concurrency: 1, heartbeatMs: 200 },
    );
    const id = await bus.queue.enqueue({ kind: 'pipeline', payload, requestedBy: alice });
    await waitFor('a step taken by the worker', async () => {
      const steps = await Promise.all(['a', 'b'].map((s) => bus!.queue.get(`${id}.${s}`)));
      return steps.some((s) => s?.status === 'active') && steps.every((s) => s !== undefined);
    });

    const status = await run('ada', 'pipeline', 'status', id, '--json');
    expect(status.code, status.stderr).toBe(0);
    const view = JSON.parse(status.stdout) as RunJson;
    expect(view.status).toBe('running');
    // Which of the two the worker took first is its choice; the other has a job and waits.
    expect(view.steps.map((s) => s.status).sort()).toEqual(['pending', 'running']);
    expect(view.steps.every((s) => s.job)).toBe(true);
    const text = await run('ada', 'pipeline', 'status', id);
    expect(text.stdout).toContain(
      `run ${id} (build) running: 0 passed, 0 failed, 0 skipped, 1 running, 1 pending`,
    );

    writeFileSync(go, '');
    await waitForStatus(bus, id, 'completed', 20_000);
  }, 30_000);

  it('a run waiting for an approval says so; rejected, `run --wait` ends with exit 4 and status says cancelled', async () => {
    await setUp('pipeline-cli-rejected', [
      'steps:',
      `  - { name: lint, shell: true, run: 'true' }`,
      `  - { name: test, shell: true, needs: [lint], run: 'true' }`,
      '',
    ]);
    writeFileSync(
      join(dataDir, 'access.yaml'),
      'users: { bob: admin, ada: operator }\napprove: [pipeline]\n',
    );

    const waiting = infradeck('ada', 'pipeline', 'run', 'build', '--wait');
    await waitFor('the run to wait for its approval', () =>
      waiting.stderr.text.includes('waits for an approval'),
    );
    const id = /^run (\S+) of build started/.exec(waiting.stderr.text)?.[1];
    expect(id, waiting.stderr.text).toBeDefined();
    const told = waiting.stderr.text.split('\n').find((l) => l.includes('waits for an approval'));
    expect(told).toBe(
      `run ${id} waits for an approval (pipeline jobs need an approval (access.approve); ${told?.match(/expires in [^)]*/)?.[0]}): ` +
        `another admin runs \`infradeck approve ${id}\` or \`infradeck reject ${id} --reason …\``,
    );

    // Without --wait (over Redis a worker runs it): started, and held.
    const again = await run('ada', 'pipeline', 'run', 'build');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^run \S+ of build started: .*\nrun \S+ waits for an approval \(/);

    const held = await run('ada', 'pipeline', 'status', id!);
    expect(held.code, held.stderr).toBe(0);
    expect(held.stdout).toContain(`run ${id} (build) waits for an approval (`);
    expect(held.stdout).toContain('0 passed, 0 failed, 0 skipped, 2 pending');
    const heldJson = JSON.parse((await run('ada', 'pipeline', 'status', id!, '--json')).stdout) as RunJson;
    expect(heldJson.status).toBe('running');
    expect(heldJson.approval).toMatchObject({
      state: 'pending',
      why: expect.stringContaining('access.approve'),
    });
    expect(heldJson.steps.map((s) => s.status)).toEqual(['pending', 'pending']);

    const rejected = await run('bob', 'reject', id!, '--reason', 'not during the freeze');
    expect(rejected.code, rejected.stderr).toBe(0);
    const waited = await waiting.ended;
    expect(waited.code, waited.stderr).toBe(4);
    expect(waited.stderr).toContain(
      `run ${id} (build) cancelled: 0 passed, 0 failed, 0 skipped, 2 cancelled: rejected by bob@`,
    );
    expect(waited.stderr).toContain(
      `its approval was refused; to ask again: infradeck pipeline retry ${id}\n`,
    );

    const status = await run('ada', 'pipeline', 'status', id!, '--json');
    expect(status.code, status.stderr).toBe(4);
    const view = JSON.parse(status.stdout) as RunJson;
    expect(view.status).toBe('cancelled');
    expect(view.error).toContain('not during the freeze');
    expect(view.approval?.state).toBe('rejected');
    expect(view.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['lint', 'cancelled', 0],
      ['test', 'cancelled', 0],
    ]);
    const cancel = await run('ada', 'pipeline', 'cancel', id!);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain(`run ${id} is cancelled already: nothing to cancel`);
  }, 20_000);
});
