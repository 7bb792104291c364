import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/domain/config';
import type { JobSpec } from '../../src/domain/job';
import { type PipelinePayload, pipelineStepPayload } from '../../src/domain/jobKinds/pipeline';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { setWorkspaceIdentity, workspaceIdentity } from '../../src/services/identity/workspaceIdentity';
import { startRunner } from '../../src/worker/runner';
import { expectRefused, jobEnd } from './signedJobs';
import { pipelineSpec, signedSpec, who } from './signedSpecs';
import { makeKey, type TestKey, writeAllowedSigners } from './signingKeys';

/** The memory transport's own way of queueing a child under a parent (what a parent's `ctx.flow` calls). */
type ChildAdding = {
  add(spec: JobSpec, child: { id: string; parentId: string; key: string }): Promise<string>;
};

describe('signed requests on an in-memory worker: children', () => {
  let dir: string;
  let alice: TestKey;
  let bus: Bus;
  const before = workspaceIdentity();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-children-memory-'));
    alice = makeKey(dir, 'alice');
    writeAllowedSigners(dir, [['alice', alice]]);
    setWorkspaceIdentity({
      dataDir: dir,
      access: { ...defaultConfig.access, requireSignatures: true },
      env: {},
    });
    bus = await openBus({ requester: who });
    startRunner(bus, { concurrency: 4 });
  });
  afterAll(async () => {
    await bus.close();
    setWorkspaceIdentity(before);
    rmSync(dir, { recursive: true, force: true });
  });

  const ended = (id: string) => jobEnd(bus, id);

  /** A run whose first step touches `file`, and that step as its child's payload. */
  function touchingRun(file: string, name = 'ci') {
    const spec = pipelineSpec(dir, name);
    const run = spec.payload as PipelinePayload;
    run.steps[0] = { ...run.steps[0], program: 'touch', args: [join(dir, file)] };
    return { spec, step: pipelineStepPayload(run, run.steps[0]) };
  }

  it('runs the steps of a signed pipeline run; refuses children of a missing or unsigned parent or not its own', async () => {
    const run = await bus.queue.enqueue(signedSpec(alice, pipelineSpec(dir)));
    const done = await ended(run);
    expect(done, `the signed run: ${done.error}`).toMatchObject({ status: 'completed' });
    const steps = (done.result as { steps: Array<{ name: string; status: string }> }).steps;
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['build', 'passed'],
      ['test', 'passed'],
    ]);

    const sneaky = touchingRun('unsigned-parent', 'sneaky');
    const unsignedRun = await bus.queue.enqueue(sneaky.spec);
    const queue = bus.queue as unknown as ChildAdding;
    const child = (payload: unknown): JobSpec =>
      ({ kind: 'pipelineStep', payload, requestedBy: who }) as JobSpec;
    const forged: Array<[string, string, RegExp]> = [
      [
        await queue.add(child(touchingRun('no-parent').step), { id: 'f1', parentId: 'gone', key: 'build' }),
        'no-parent',
        /child "build" of job gone, which is not there/,
      ],
      [
        await queue.add(child(touchingRun('not-a-step').step), { id: 'f2', parentId: run, key: 'build' }),
        'not-a-step',
        new RegExp(
          `child "build" of job ${run}: its payload is not the one its parent \\(pipeline ci: 2 steps\\)`,
        ),
      ],
      [
        await queue.add(child(sneaky.step), { id: 'f3', parentId: unsignedRun, key: 'build' }),
        'unsigned-parent',
        new RegExp(`its parent job ${unsignedRun} \\(pipeline asked by alice@jump1\\): unsigned`),
      ],
    ];
    await expectRefused(bus, dir, forged);
  });
});
