import { describe, expect, it } from 'vitest';
import { destroyPayloadSchema } from '../../src/domain/projectJobs';
import { detachedFlow } from '../../src/services/bus/jobFlow';
import { deployProject } from '../../src/services/projects/deployProject';
import { destroyProject } from '../../src/services/projects/destroyProject';
import { recordedJob } from './fakeJob';
import { dataDirsRemovedAfterEach, deployPayload, liveOf, quickCloud, shopBlueprint } from './helpers';

const dataDir = dataDirsRemovedAfterEach();

/** A first attempt of job `job-1` that stops (its worker gone) once it has reported step `k`. */
async function firstAttemptStoppedAt(k: number, cloud: ReturnType<typeof quickCloud>, dir: string) {
  const payload = deployPayload(shopBlueprint());
  const first = recordedJob('job-1', 1);
  const progress = first.progress;
  first.progress = (step, total, message) => {
    progress(step, total, message);
    if (step === k) first.controller.abort({ kind: 'release', message: 'the worker is stopping' });
  };
  await expect(deployProject(payload, first, { cloud, dataDir: dir })).rejects.toMatchObject({
    name: 'AbortError',
  });
  return payload;
}

const summary = (lines: string[]) => lines.find((l) => l.startsWith('deployed shop:')) ?? '';

describe('a deploy taken over after its first attempt', () => {
  it('counts what the earlier attempt created as created, not unchanged', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    // Every resource made (12 steps: the 12 blueprint resources, 13 with the two web servers), then the worker dies.
    const payload = await firstAttemptStoppedAt(12, cloud, dir);

    const second = recordedJob('job-1', 1);
    const result = await deployProject(payload, second, { cloud, dataDir: dir });
    expect(summary(second.lines)).toMatch(
      /^deployed shop: 13 created \(13 by an earlier attempt of deploy d-test-1\), 0 deleted, 0 unchanged;/,
    );
    expect(result.created).toHaveLength(13);
    expect(result.unchanged).toBe(0);
  });

  it("adds what each attempt made: the earlier attempt's share is said", async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await firstAttemptStoppedAt(5, cloud, dir);
    const payload = deployPayload(shopBlueprint());
    const second = recordedJob('job-1', 1);
    const result = await deployProject(payload, second, { cloud, dataDir: dir });
    const [, total, earlier] =
      /(\d+) created \((\d+) by an earlier attempt/.exec(summary(second.lines)) ?? [];
    expect(Number(total)).toBe(13);
    expect(Number(earlier)).toBeGreaterThanOrEqual(5);
    expect(Number(earlier)).toBeLessThan(13);
    expect(result.created).toHaveLength(13);
    expect(new Set(result.created.map((r) => r.id)).size).toBe(13);
  });

  it("counts the earlier attempt's steps in its actions, its progress and its plan line", async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    // Ten of the twelve steps done, then the worker dies: the attempt that takes over has two left.
    const payload = await firstAttemptStoppedAt(10, cloud, dir);
    const second = recordedJob('job-1', 1);
    const result = await deployProject(payload, second, { cloud, dataDir: dir });
    const plan = second.lines.find((l) => l.startsWith('plan: ')) ?? '';
    const [, create, unchanged, earlier] =
      /^plan: (\d+) to create, (\d+) unchanged \((\d+) made by an earlier attempt of deploy d-test-1\)/.exec(
        plan,
      ) ?? [];
    expect(Number(create) + Number(unchanged)).toBe(12);
    expect(Number(earlier)).toBe(Number(unchanged));
    expect(Number(earlier)).toBeGreaterThanOrEqual(10);
    expect(result.actions).toBe(12);
    // Its progress starts where the earlier attempt got to and ends at the whole deploy's count.
    expect(second.steps[0]).toMatchObject({ step: Number(earlier), total: 12 });
    expect(second.steps.at(-1)).toMatchObject({ step: 12, total: 12 });
    expect(second.steps.every((s) => s.total === 12)).toBe(true);
  });

  it('a deploy whose every step an earlier attempt made ends at 12 of 12', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    const payload = await firstAttemptStoppedAt(12, cloud, dir);
    const second = recordedJob('job-1', 1);
    const result = await deployProject(payload, second, { cloud, dataDir: dir });
    expect(second.lines).toContain(
      'plan: 12 unchanged (12 made by an earlier attempt of deploy d-test-1) (sync: in sync)',
    );
    expect(result.actions).toBe(12);
    expect(second.steps.at(-1)).toMatchObject({ step: 12, total: 12 });
  });

  it('a new deploy of what another deploy made finds it unchanged', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await deployProject(deployPayload(shopBlueprint()), recordedJob('job-1'), { cloud, dataDir: dir });
    const again = recordedJob('job-2');
    const result = await deployProject(deployPayload(shopBlueprint(), { deployId: 'd-test-2' }), again, {
      cloud,
      dataDir: dir,
    });
    expect(summary(again.lines)).toMatch(/^deployed shop: 0 created, 0 deleted, 12 unchanged;/);
    expect(result.created).toEqual([]);
  });
});

describe('a destroy taken over after its first attempt', () => {
  /** shop deployed, then destroyed by a job whose first attempt stops at `step` (its worker stopping) and a second. */
  async function destroyTakenOverAt(step: number) {
    const cloud = quickCloud();
    const dir = dataDir();
    await deployProject(deployPayload(shopBlueprint()), recordedJob('job-1'), { cloud, dataDir: dir });
    const made = liveOf(cloud, 'shop').filter((r) => r.type !== 'volume').length;
    const payload = destroyPayloadSchema.parse({ project: 'shop', blueprint: shopBlueprint().blueprint });
    // The job's saved state outlives its worker, as the queue keeps it.
    const flow = detachedFlow();
    const first = recordedJob('job-2', 1);
    first.flow = flow;
    const progress = first.progress;
    first.progress = (at, total, message) => {
      progress(at, total, message);
      if (at === step) first.controller.abort({ kind: 'release', message: 'the worker is stopping' });
    };
    await expect(destroyProject(payload, first, { cloud, dataDir: dir })).rejects.toMatchObject({
      name: 'AbortError',
    });
    const second = recordedJob('job-2', 1);
    second.flow = flow;
    const result = await destroyProject(payload, second, { cloud, dataDir: dir });
    return { cloud, made, first, second, result };
  }

  it('its result lists what every attempt deleted', async () => {
    const { cloud, made, result } = await destroyTakenOverAt(4);
    expect(liveOf(cloud, 'shop').filter((r) => r.type !== 'volume')).toEqual([]);
    expect(new Set(result.deleted.map((r) => r.id)).size).toBe(result.deleted.length);
    expect(result.deleted.length).toBe(made);
  });

  it("counts the earlier attempt's deletes in its progress and its first line", async () => {
    const { first, second, result } = await destroyTakenOverAt(6);
    const whole = first.steps[0].total;
    const [, left, before] =
      /^destroy of shop in \S+: (\d+) resources? in \d+ levels? \((\d+) deleted by an earlier attempt\)$/.exec(
        second.lines[0],
      ) ?? [];
    const deletedBefore = Number(before);
    expect(deletedBefore + Number(left)).toBe(whole);
    expect(result.deleted).toHaveLength(whole);
    expect(deletedBefore).toBeGreaterThan(0);
    expect(second.steps[0]).toMatchObject({ step: deletedBefore, total: whole });
    expect(second.steps.at(-1)).toMatchObject({ step: whole, total: whole });
  });
});
