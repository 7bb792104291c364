import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import type { PipelineResult } from '../../src/domain/jobKinds/pipeline';
import { parsePipelineFile } from '../../src/domain/pipelineSource';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { pipelinePayload } from '../../src/services/pipelines/localPipelines';
import { pipelineHandler } from '../../src/worker/handlers/pipeline';
import { pipelineStepHandler } from '../../src/worker/handlers/pipelineStep';
import { alice, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';

/**
 * What a step writes before its program starts and in which order its events go out, now that its start, progress
 * and end are written on the worker's BullMQ connection without being awaited one by one.
 */
describe.skipIf(skipRedis)('a pipeline step over Redis', () => {
  let dir: string | undefined;
  let bus: Bus | undefined;
  const prefix = uniquePrefix('step-order');

  afterEach(async () => {
    await bus?.close();
    bus = undefined;
    await deletePrefix(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('its start mark and job.started are in Redis before its program starts; its events come in order', async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-step-order-'));
    // The program looks in Redis for what the worker must have written before starting it.
    writeFileSync(
      join(dir, 'look.sh'),
      [
        'id="$INFRADECK_RUN.$INFRADECK_STEP"',
        'echo "mark $(redis-cli -u "$REDIS" hget "$PREFIX:jobs:$id" deck:flow:state)"',
        'echo "started $(redis-cli -u "$REDIS" xrange "$PREFIX:deck:events" - + | grep -cF "\\"type\\":\\"job.started\\",\\"jobId\\":\\"$id\\"")"',
      ].join('\n'),
    );
    const parsed = parsePipelineFile(
      join(dir, 'order.yaml'),
      [
        'steps:',
        `  - { name: a, run: [sh, look.sh], env: { REDIS: "${redisUrl}", PREFIX: ${prefix} } }`,
        `  - { name: b, needs: a, run: [sh, look.sh], env: { REDIS: "${redisUrl}", PREFIX: ${prefix} } }`,
      ].join('\n'),
    );
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    bus.consume(
      { pipeline: pipelineHandler(), pipelineStep: pipelineStepHandler({ killGraceMs: 500 }) },
      { concurrency: 2, heartbeatMs: 200 },
    );
    const id = await bus.queue.enqueue({
      kind: 'pipeline',
      payload: pipelinePayload(parsed.pipeline, { file: parsed.file, baseDir: dir }),
      requestedBy: alice,
    });
    const run = await waitForStatus(bus, id, 'completed', 30_000);
    expect((run.result as PipelineResult).status).toBe('passed');
    const events = await bus.events.recent(1000);
    for (const name of ['a', 'b']) {
      const stepId = `${id}.${name}`;
      const lines = (await bus.queue.logs(stepId)).map((l) => l.text);
      expect(lines[0]).toMatch(/^mark \{"starts":1,"startedAt":\d+,"worker":"[^"]+"\}$/);
      expect(lines[1]).toBe('started 1');

      const all = events.filter((e: DeckEvent) => e.jobId === stepId).map((e) => e.type);
      // `job.queued` is the parent's, sent on its own connection after BullMQ has the step: a worker may take the
      // step and say `job.started` first (readers keep a started job started, tests/state/jobStartedTwice).
      expect(all.filter((t) => t === 'job.queued')).toHaveLength(1);
      const types = all.filter((t) => t !== 'job.queued');
      expect(types[0]).toBe('job.started');
      expect(types.at(-1)).toBe('job.completed');
      expect(types.filter((t) => t === 'job.started')).toHaveLength(1);
      // Progress, then the program's output, then its last progress (and `a`, which starts `b`, its only need,
      // says so: before or after that progress, as the progress' throttle has it): all between its start and end.
      expect(types.slice(1, 4)).toEqual(['job.progress', 'job.log', 'job.log']);
      expect(types.slice(4, -1).sort()).toEqual(
        name === 'a' ? ['job.log', 'job.progress'] : ['job.progress'],
      );
      if (name === 'a') expect(lines.at(-1)).toBe('started b: every step they need passed');

      // The last progress, sent without waiting for it, is stored before the job's end is.
      const view = await bus.queue.get(stepId);
      expect(view?.status).toBe('completed');
      expect([view?.step, view?.total]).toEqual([1, 1]);
      expect(view?.message).toMatch(new RegExp(`^${name}: exit 0 in `));
    }
  });
});
