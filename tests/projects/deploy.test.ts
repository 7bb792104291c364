import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint, sha256 } from '../../src/domain/blueprintSource';
import {
  type DestroyPayloadInput,
  deployPayloadSchema,
  destroyPayloadSchema,
} from '../../src/domain/projectJobs';
import {
  deployPayloadFor,
  destroyPayloadFor,
  resumePayload,
  rollbackPayload,
} from '../../src/domain/projectPayloads';
import type { Resource } from '../../src/domain/resource';
import { CloudError } from '../../src/services/cloud/cloudError';
import type { CloudProvider } from '../../src/services/cloud/cloudProvider';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { deployProject } from '../../src/services/projects/deployProject';
import { destroyProject } from '../../src/services/projects/destroyProject';
import { loadProjects } from '../../src/services/projects/loadProjects';
import { RefusalError } from '../../src/services/projects/refusal';
import { readStateFile, stateFilePath } from '../../src/services/projects/stateFile';
import { recordedJob } from './fakeJob';
import { dataDirsRemovedAfterEach, deployPayload, liveOf, quickCloud, shopBlueprint } from './helpers';

const dataDir = dataDirsRemovedAfterEach();

function destroyPayload(input: Partial<DestroyPayloadInput> = {}) {
  return destroyPayloadSchema.parse({ project: 'shop', blueprint: shopBlueprint().blueprint, ...input });
}

/** How many live resources each blueprint resource has in the cloud (volumes go with their servers). */
function countsByLogicalId(cloud: DemoCloud, project = 'shop'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of liveOf(cloud, project)) {
    if (r.type === 'volume') continue;
    const id = r.tags['infradeck:logical-id'];
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
}

const shopCounts = {
  vpc: 1,
  'subnet:public-a': 1,
  'subnet:public-b': 1,
  'subnet:private-a': 1,
  'internet-gateway': 1,
  'route-table:public-a': 1,
  'route-table:public-b': 1,
  'security-group:web': 1,
  'security-group:db': 1,
  'instances:web': 2,
  'instances:db': 1,
  'bucket:infradeck-demo-shop-images': 1,
};

async function stateOf(dir: string) {
  const read = await readStateFile(dir, 'shop');
  if (!read.ok) throw new Error(read.errors.map((e) => e.message).join('\n'));
  return read.state;
}

/** The state file lists exactly what exists of the project (servers, network, buckets). */
async function expectStateMatchesCloud(dir: string, cloud: DemoCloud) {
  const state = await stateOf(dir);
  const recorded = (state?.resources ?? []).map((r) => r.id).sort();
  const live = liveOf(cloud, 'shop')
    .filter((r) => r.type !== 'volume')
    .map((r) => r.id)
    .sort();
  expect(recorded).toEqual(live);
}

describe('deploy and destroy on the demo cloud', () => {
  it('deploys every resource tagged with the project, one step per action, and destroys all of it', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    const job = recordedJob('job-1');
    const result = await deployProject(deployPayload(shopBlueprint()), job, { cloud, dataDir: dir });

    expect(countsByLogicalId(cloud)).toEqual(shopCounts);
    for (const r of liveOf(cloud, 'shop')) {
      expect(r.tags['infradeck:deploy']).toBe('d-test-1');
      if (r.type !== 'volume') expect(r.tags['infradeck:logical-id']).toBeTruthy();
    }
    expect(result).toMatchObject({ project: 'shop', deployId: 'd-test-1', actions: 12, deleted: [] });
    expect(result.created).toHaveLength(13);
    const steps = job.steps.map((s) => s.step);
    expect(job.steps.every((s) => s.total === 12)).toBe(true);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps.at(-1)).toBe(12);
    const state = await stateOf(dir);
    expect(state).toMatchObject({ lifecycle: 'provisioned', status: 'done', pending: [] });
    await expectStateMatchesCloud(dir, cloud);

    const destroyJob = recordedJob('job-2');
    const destroyed = await destroyProject(destroyPayload(), destroyJob, { cloud, dataDir: dir });
    expect(liveOf(cloud, 'shop')).toEqual([]);
    expect(destroyed.deleted.map((r) => r.id).sort()).toEqual(result.created.map((r) => r.id).sort());
    expect(await stateOf(dir)).toMatchObject({ lifecycle: 'destroyed', status: 'done', resources: [] });
    expect(destroyJob.steps.at(-1)).toMatchObject({ step: destroyJob.steps.at(-1)?.total });
    // The count decides the word: never `resource(s)` nor `level(s)`.
    expect(destroyJob.lines[0]).toMatch(/^destroy of shop in \S+: 16 resources in 5 levels$/);
  });

  it('deploying again changes nothing', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await deployProject(deployPayload(shopBlueprint()), recordedJob('job-1'), { cloud, dataDir: dir });
    const calls = cloud.stats.byOperation['ec2:RunInstances'];
    const again = await deployProject(
      deployPayload(shopBlueprint(), { deployId: 'd-test-2' }),
      recordedJob('job-2'),
      {
        cloud,
        dataDir: dir,
      },
    );
    expect(again).toMatchObject({ created: [], deleted: [], unchanged: 12, actions: 0 });
    expect(cloud.stats.byOperation['ec2:RunInstances']).toBe(calls);
    expect(countsByLogicalId(cloud)).toEqual(shopCounts);
  });

  it('replaces servers whose type changed, and records the new ones', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await deployProject(deployPayload(shopBlueprint()), recordedJob('job-1'), { cloud, dataDir: dir });
    const before = liveOf(cloud, 'shop').filter((r) => r.tags['infradeck:logical-id'] === 'instances:web');
    const bigger = shopBlueprint(['type: t3.small', 'type: t3.medium']);
    const result = await deployProject(
      deployPayload(bigger, { deployId: 'd-test-2' }),
      recordedJob('job-2'),
      {
        cloud,
        dataDir: dir,
      },
    );
    const after = liveOf(cloud, 'shop').filter(
      (r) => r.type === 'instance' && r.tags['infradeck:logical-id'] === 'instances:web',
    );
    expect(after).toHaveLength(2);
    expect(after.every((r) => r.detail.startsWith('t3.medium'))).toBe(true);
    expect(result.deleted.map((r) => r.id).sort()).toEqual(
      before
        .filter((r) => r.type === 'instance')
        .map((r) => r.id)
        .sort(),
    );
    await expectStateMatchesCloud(dir, cloud);
  });
});

describe('the example blueprints', () => {
  it('each deploys on the demo cloud and is destroyed without a trace', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    const entries = await loadProjects('data');
    expect(entries.map((e) => e.name)).toEqual(['analytics', 'shop', 'static-site']);
    for (const entry of entries) {
      const payload = deployPayloadSchema.parse(deployPayloadFor(entry));
      const result = await deployProject(payload, recordedJob(`deploy-${entry.name}`), {
        cloud,
        dataDir: dir,
      });
      expect(result.created.length).toBeGreaterThan(0);
      expect(liveOf(cloud, entry.name).length).toBeGreaterThanOrEqual(result.created.length);
    }
    for (const entry of entries) {
      const payload = destroyPayloadSchema.parse(destroyPayloadFor(entry, { confirmName: entry.name }));
      await destroyProject(payload, recordedJob(`destroy-${entry.name}`), { cloud, dataDir: dir });
      expect(liveOf(cloud, entry.name)).toEqual([]);
    }
  });
});

describe('a deploy stopped part way', () => {
  for (const k of [1, 4, 8, 11]) {
    it(`aborted after step ${k}, then resumed: nothing doubled, the state file complete`, async () => {
      const cloud = quickCloud();
      const dir = dataDir();
      const payload = deployPayload(shopBlueprint());
      const first = recordedJob('job-1');
      const progress = first.progress;
      first.progress = (step, total, message) => {
        progress(step, total, message);
        if (step === k) first.controller.abort({ kind: 'release', message: 'the worker is stopping' });
      };
      await expect(deployProject(payload, first, { cloud, dataDir: dir })).rejects.toMatchObject({
        name: 'AbortError',
      });
      const stopped = await stateOf(dir);
      expect(stopped).toMatchObject({ lifecycle: 'provision', status: 'error' });
      expect(stopped?.lastJob?.error).toMatch(/^stopped after \d+ of 12 steps/);
      await expectStateMatchesCloud(dir, cloud);

      const resumed = recordedJob('job-2');
      await deployProject({ ...payload, resumeOf: 'job-1' }, resumed, { cloud, dataDir: dir });
      expect(resumed.lines.join('\n')).toContain('resuming job job-1');
      expect(countsByLogicalId(cloud)).toEqual(shopCounts);
      expect(await stateOf(dir)).toMatchObject({ lifecycle: 'provisioned', status: 'done', pending: [] });
      await expectStateMatchesCloud(dir, cloud);
    });
  }

  it('resume and rollback payloads keep the deploy id of a job that had none', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    const { deployId: _none, ...payload } = deployPayload(shopBlueprint());
    const first = recordedJob('job-41');
    const progress = first.progress;
    first.progress = (step, total, message) => {
      progress(step, total, message);
      if (step === 5) first.controller.abort({ kind: 'release', message: 'the worker is stopping' });
    };
    await expect(deployProject(payload, first, { cloud, dataDir: dir })).rejects.toMatchObject({
      name: 'AbortError',
    });
    const resume = deployPayloadSchema.parse(resumePayload(payload, 'job-41'));
    await deployProject(resume, recordedJob('job-42'), { cloud, dataDir: dir });
    expect(new Set(liveOf(cloud, 'shop').map((r) => r.tags['infradeck:deploy']))).toEqual(
      new Set(['job-job-41']),
    );
    const rollback = destroyPayloadSchema.parse(rollbackPayload(payload, 'job-41'));
    await destroyProject(rollback, recordedJob('job-43'), { cloud, dataDir: dir });
    expect(liveOf(cloud, 'shop')).toEqual([]);
  });

  it('a create whose answer was lost is not made twice (tag look-up; ClientToken for servers)', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    const lose = new Set(['createVpc', 'runInstances']);
    let hidden = new Set<string>();
    // The call reaches the cloud and succeeds, but its answer never comes back (a reset connection, a
    // timeout); and, as EC2's describe calls lag behind, the servers it launched are not listed for a while.
    const flaky = new Proxy(cloud, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const out = await value.apply(target, args);
          if (prop === 'findByTags' || prop === 'describeInstances')
            return (out as Resource[]).filter((r) => !hidden.has(r.id));
          if (lose.delete(String(prop))) {
            if (prop === 'runInstances') hidden = new Set((out as Resource[]).map((r) => r.id));
            throw new CloudError('RequestTimeout', 'the connection was reset');
          }
          return out;
        };
      },
    }) as CloudProvider;
    const payload = deployPayload(shopBlueprint());
    await expect(
      deployProject(payload, recordedJob('job-1'), { cloud: flaky, dataDir: dir }),
    ).rejects.toThrow(/vpc: RequestTimeout: the connection was reset/);
    await expect(
      deployProject(payload, recordedJob('job-2'), { cloud: flaky, dataDir: dir }),
    ).rejects.toThrow(/instances:(web|db): RequestTimeout/);
    const [pending] = (await stateOf(dir))?.pending ?? [];
    expect(pending).toMatchObject({
      clientToken: expect.stringMatching(/^infradeck-/),
      deployId: 'd-test-1',
    });
    expect(hidden.size).toBe(pending.count);

    // Resumed while the lost servers are still not listed: the same ClientToken returns them.
    await deployProject(payload, recordedJob('job-3'), { cloud: flaky, dataDir: dir });
    hidden = new Set();
    expect(countsByLogicalId(cloud)).toEqual(shopCounts);
    await expectStateMatchesCloud(dir, cloud);
  });
});

describe('refusals change nothing', () => {
  it('a second deploy of the same project while one runs is refused, never run alongside', async () => {
    const cloud = new DemoCloud({ latencyScale: 0.02 });
    const dir = dataDir();
    const payload = deployPayload(shopBlueprint());
    const first = deployProject(payload, recordedJob('job-1'), { cloud, dataDir: dir });
    await new Promise((r) => setTimeout(r, 20));
    const second = deployProject({ ...payload, deployId: 'd-other' }, recordedJob('job-2'), {
      cloud,
      dataDir: dir,
    });
    await expect(second).rejects.toBeInstanceOf(RefusalError);
    await expect(second).rejects.toThrow(/^refused: project shop is held by deploy job job-1 \(pid \d+ on /);
    await first;
    expect(countsByLogicalId(cloud)).toEqual(shopCounts);
    expect(liveOf(cloud, 'shop').every((r) => r.tags['infradeck:deploy'] === 'd-test-1')).toBe(true);
    expect(existsSync(join(dir, 'state', 'shop.lock'))).toBe(false);
  });

  it('read-only mode is refused in the worker, from the payload or from the worker flag', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await expect(
      deployProject(deployPayload(shopBlueprint(), { readOnly: true }), recordedJob(), {
        cloud,
        dataDir: dir,
      }),
    ).rejects.toThrow(
      /^refused: deploy of shop: read-only mode \(the console that queued it is in read-only mode\)/,
    );
    await expect(
      destroyProject(destroyPayload(), recordedJob(), { cloud, dataDir: dir, readOnly: true }),
    ).rejects.toThrow(/^refused: destroy of shop: read-only mode \(this worker runs with --readonly\)/);
    expect(liveOf(cloud, 'shop')).toEqual([]);
    expect(existsSync(stateFilePath(dir, 'shop'))).toBe(false);
  });

  it('a protected project is destroyed only with its name typed', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    const guarded = shopBlueprint(['protected: false', 'protected: true']);
    await deployProject(deployPayload(guarded), recordedJob(), { cloud, dataDir: dir });
    const payload = (confirmName?: string) =>
      destroyPayloadSchema.parse({ project: 'shop', ...(confirmName ? { confirmName } : {}) });
    await expect(destroyProject(payload(), recordedJob(), { cloud, dataDir: dir })).rejects.toThrow(
      /^refused: shop is protected: type the project's name to confirm the destroy/,
    );
    await expect(destroyProject(payload('shops'), recordedJob(), { cloud, dataDir: dir })).rejects.toThrow(
      /protected/,
    );
    expect(countsByLogicalId(cloud)).toEqual(shopCounts);
    await destroyProject(payload('shop'), recordedJob(), { cloud, dataDir: dir });
    expect(liveOf(cloud, 'shop')).toEqual([]);
  });

  it('a state file edited by hand into something invalid is reported with its position and never overwritten', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await deployProject(deployPayload(shopBlueprint()), recordedJob(), { cloud, dataDir: dir });
    const file = stateFilePath(dir, 'shop');
    const text = readFileSync(file, 'utf8').replace(
      '"lifecycle": "provisioned"',
      '"lifecycle": "provisionned"',
    );
    writeFileSync(file, text);
    for (const run of [
      () => deployProject(deployPayload(shopBlueprint()), recordedJob(), { cloud, dataDir: dir }),
      () => destroyProject(destroyPayload(), recordedJob(), { cloud, dataDir: dir }),
    ]) {
      await expect(run()).rejects.toThrow(
        new RegExp(
          `^refused: the state file of shop is not valid.*\\n  ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: lifecycle: expected one of`,
        ),
      );
    }
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(countsByLogicalId(cloud)).toEqual(shopCounts);
  });

  it('a state file edited while a deploy runs is not overwritten: the deploy stops and says why', async () => {
    const cloud = new DemoCloud({ latencyScale: 0.02 });
    const dir = dataDir();
    const job = recordedJob();
    const progress = job.progress;
    let edited = '';
    job.progress = (step, total, message) => {
      progress(step, total, message);
      if (step === 3 && !edited) {
        const file = stateFilePath(dir, 'shop');
        edited = readFileSync(file, 'utf8').replace('"status": "in_progress"', '"status": "done"');
        writeFileSync(file, edited);
      }
    };
    // One create at a time: when step 3 is reported no write of the job is in flight.
    await expect(
      deployProject(deployPayload(shopBlueprint()), job, { cloud, dataDir: dir, concurrency: 1 }),
    ).rejects.toThrow(/shop\.json was changed by someone else while this job ran; it is not overwritten/);
    expect(readFileSync(stateFilePath(dir, 'shop'), 'utf8')).toBe(edited);
  });

  it('a state file that lost lines is completed from the tags', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await deployProject(deployPayload(shopBlueprint()), recordedJob(), { cloud, dataDir: dir });
    const file = stateFilePath(dir, 'shop');
    const state = JSON.parse(readFileSync(file, 'utf8'));
    state.resources = state.resources.slice(0, 3);
    writeFileSync(file, JSON.stringify(state, null, 2));
    await deployProject(deployPayload(shopBlueprint()), recordedJob(), { cloud, dataDir: dir });
    await expectStateMatchesCloud(dir, cloud);
    expect(countsByLogicalId(cloud)).toEqual(shopCounts);
  });
});

describe('bad input met during a deploy', () => {
  it('an AMI that does not exist in the region stops the deploy before anything is made', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    const text = shopBlueprint().text.replace(
      'ami: ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      'ami: ami-0123456789abcdef0',
    );
    const bp = parseBlueprint('projects/shop.yaml', text);
    if (!bp.blueprint) throw new Error('invalid');
    await expect(
      deployProject(deployPayload({ blueprint: bp.blueprint, text }), recordedJob(), { cloud, dataDir: dir }),
    ).rejects.toThrow(
      'deploy of shop stopped before any change:\n  compute.instances[0].ami: AMI ami-0123456789abcdef0 cannot be used in eu-west-1 (InvalidAMIID.NotFound',
    );
    expect(liveOf(cloud, 'shop')).toEqual([]);
  });

  it('a bucket name already taken fails the deploy; everything made so far stays recorded and can be rolled back', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    const taken = await cloud.createBucket({ name: 'infradeck-demo-shop-images', region: 'eu-west-1' });
    await cloud.converge(taken, {
      type: 'bucket',
      tags: { team: 'other' },
      versioning: false,
      encryption: true,
      blockPublicAccess: true,
    });
    const job = recordedJob('job-1');
    const failure = deployProject(deployPayload(shopBlueprint()), job, { cloud, dataDir: dir });
    // The resource is named once (it was named twice: `bucket:…: bucket:…: bucket name …`).
    await expect(failure).rejects.toThrow(
      /^deploy of shop failed: bucket:infradeck-demo-shop-images: bucket name infradeck-demo-shop-images is already taken by another bucket of this account \(not made by project shop\): choose another name at storage\.buckets\[0\]\.name$/m,
    );
    await expect(failure).rejects.toThrow(/shop: 1 resource exists and is recorded in .*shop\.json/);
    const state = await stateOf(dir);
    expect(state).toMatchObject({ status: 'error', lifecycle: 'provision' });
    await expectStateMatchesCloud(dir, cloud);
    expect(state?.resources.length).toBeGreaterThan(0);

    await destroyProject(destroyPayload({ rollbackOf: 'd-test-1' }), recordedJob('job-2'), {
      cloud,
      dataDir: dir,
    });
    expect(liveOf(cloud, 'shop')).toEqual([]);
    expect(cloud.snapshot().some((r) => r.id === 'infradeck-demo-shop-images')).toBe(true);
  });

  it('a blueprint renamed and edited while its deploy runs: the job works from its snapshot and says so', async () => {
    const cloud = new DemoCloud({ latencyScale: 0.02 });
    const dir = dataDir();
    const projects = join(dir, 'projects');
    mkdirSync(projects);
    const file = join(projects, 'shop.yaml');
    const { text } = shopBlueprint();
    writeFileSync(file, text);
    const parsed = parseBlueprint(file, text);
    const payload = deployPayload(
      { blueprint: parsed.blueprint!, text },
      {
        source: { file, sha256: sha256(text) },
      },
    );
    const job = recordedJob();
    const running = deployProject(payload, job, { cloud, dataDir: dir });
    await new Promise((r) => setTimeout(r, 30));
    renameSync(file, join(projects, 'store.yaml'));
    writeFileSync(join(projects, 'store.yaml'), text.replace('count: 2', 'count: 5'));
    await running;
    expect(job.lines.join('\n')).toContain(`working from the blueprint snapshot of ${file}`);
    expect(countsByLogicalId(cloud)['instances:web']).toBe(2);
    expect((await stateOf(dir))?.lastJob).toMatchObject({
      blueprintFile: file,
      blueprintSha256: sha256(text),
    });
  });
});

describe('rollback', () => {
  it('removes only what that deploy created', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await deployProject(deployPayload(shopBlueprint()), recordedJob('job-1'), { cloud, dataDir: dir });
    const first = liveOf(cloud, 'shop').map((r: Resource) => r.id);
    const grown = shopBlueprint(
      ['count: 2', 'count: 3'],
      [
        '      encryption: true # SSE-S3 (AES256)\n',
        '      encryption: true\n    - name: infradeck-demo-shop-logs\n',
      ],
    );
    const second = await deployProject(deployPayload(grown, { deployId: 'd-test-2' }), recordedJob('job-2'), {
      cloud,
      dataDir: dir,
    });
    expect(second.created.map((r) => r.logicalId).sort()).toEqual([
      'bucket:infradeck-demo-shop-logs',
      'instances:web',
    ]);

    const rollbackJob = recordedJob('job-3');
    const rollback = await destroyProject(destroyPayload({ rollbackOf: 'd-test-2' }), rollbackJob, {
      cloud,
      dataDir: dir,
    });
    expect(rollbackJob.lines[0]).toMatch(
      /^rollback of deploy d-test-2 of shop in \S+: 3 resources in 2 levels$/,
    );
    expect(rollback.deleted.map((r) => r.logicalId).sort()).toEqual([
      'bucket:infradeck-demo-shop-logs',
      'instances:web',
    ]);
    expect(
      liveOf(cloud, 'shop')
        .map((r) => r.id)
        .sort(),
    ).toEqual([...first].sort());
    expect(await stateOf(dir)).toMatchObject({ lifecycle: 'provisioned', status: 'done' });
    await expectStateMatchesCloud(dir, cloud);
  });

  it('destroy finds the project by its tags when the state file is gone', async () => {
    const cloud = quickCloud();
    const dir = dataDir();
    await deployProject(deployPayload(shopBlueprint()), recordedJob(), { cloud, dataDir: dir });
    renameSync(stateFilePath(dir, 'shop'), join(dir, 'lost.json'));
    await destroyProject(destroyPayload(), recordedJob(), { cloud, dataDir: dir });
    expect(liveOf(cloud, 'shop')).toEqual([]);
  });
});
