import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import type { ModelResult } from '../../src/domain/jobKinds/model';
import { parseModelFile } from '../../src/domain/modelSource';
import { formatSourceError } from '../../src/domain/sourceError';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { alice, waitFor } from '../bus/contractSuite';

const modelFile = `# The churn model: served by model-server on the GPU boxes.
name: churn
rollout:
  deploy: "echo deploy"   # how a version gets onto a server
versions:
  # the first one, trained in June
  - version: 1
    stage: production
    run: "7"
    metrics: { loss: 0.4 }
    artifact: s3://models/churn/1.pt
`;

describe('the model registry (ai/models/*.yaml)', () => {
  it('locates every problem of a model file', () => {
    const text = [
      'name: churn',
      'versions:',
      '  - version: 1',
      '    stage: production',
      '  - version: 1',
      '    stage: production',
      '    artefact: s3://x/y',
      '  - version: 2',
      '    stage: live',
      '',
    ].join('\n');
    const parsed = parseModelFile('ai/models/churn.yaml', text);
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? [] : parsed.errors.map(formatSourceError);
    expect(errors.join('\n')).toMatch(/churn\.yaml:7:5: versions\[1\]\.artefact: .*did you mean "artifact"/);
    expect(errors.join('\n')).toMatch(/churn\.yaml:9:12: versions\[2\]\.stage: .*staging/);
  });

  it('refuses a version given twice and two versions in production, at their lines', () => {
    const text = 'versions:\n  - { version: 1, stage: production }\n  - { version: 1, stage: production }\n';
    const parsed = parseModelFile('ai/models/ranker.yaml', text);
    const errors = parsed.ok ? [] : parsed.errors.map(formatSourceError);
    expect(errors).toEqual([
      expect.stringMatching(/ranker\.yaml:3:16: versions\[1\]\.version: version 1 is given twice/),
      expect.stringMatching(/ranker\.yaml:3:26: versions\[1\]\.stage: v1 and v1 are both in production/),
    ]);
  });

  it('refuses a model named like a word of `ai rollout`', () => {
    const parsed = parseModelFile('ai/models/advance.yaml', 'versions: []\n');
    expect(parsed.ok ? '' : parsed.errors.map(formatSourceError).join()).toMatch(/"advance" is a word of/);
  });
});

describe('registry changes as model jobs (memory transport)', () => {
  let dir: string;
  let bus: Bus;
  let cloud: DemoCloud;
  const bucket = () => cloud.snapshot().find((r) => r.type === 'bucket')!.id;

  async function open(readOnlyWorker = false): Promise<void> {
    bus = await openBus({});
    bus.consume(jobHandlersFor({ dataDir: dir, cloud: async () => cloud, readOnly: readOnlyWorker }));
  }

  async function ended(id: string): Promise<JobView> {
    return waitFor(`job ${id} to end`, async () => {
      const job = await bus.queue.get(id);
      return job && ['completed', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
    });
  }

  const register = (artifact: string, run = '12') =>
    bus.queue.enqueue({
      kind: 'model',
      payload: {
        action: 'register',
        model: 'churn',
        run,
        experiment: 'churn-train',
        params: { lr: '0.1' },
        metrics: { loss: 0.2 },
        artifact,
      },
      requestedBy: alice,
    });
  const promote = (version: number, stage: 'staging' | 'production' | 'archived') =>
    bus.queue.enqueue({
      kind: 'model',
      payload: { action: 'promote', model: 'churn', version, stage },
      requestedBy: alice,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-registry-'));
    mkdirSync(join(dir, 'ai', 'models'), { recursive: true });
    writeFileSync(join(dir, 'ai', 'models', 'churn.yaml'), modelFile);
    cloud = new DemoCloud({ latencyScale: 0 });
  });
  afterEach(async () => {
    await bus?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers a run as the next version in staging, checking its s3 artifact, and keeps the comments', async () => {
    await open();
    cloud.putObject(bucket(), 'churn/2/model.pt');
    const job = await ended(await register(`s3://${bucket()}/churn/2/model.pt`));
    expect(job.status, job.error).toBe('completed');
    const result = job.result as ModelResult;
    expect(result.version).toBe(2);
    expect(result.artifactCheck).toBe('s3 object found in the DEMO cloud');
    const text = readFileSync(join(dir, 'ai', 'models', 'churn.yaml'), 'utf8');
    expect(text.startsWith('# The churn model: served by model-server on the GPU boxes.\n')).toBe(true);
    expect(text).toContain('deploy: "echo deploy"   # how a version gets onto a server');
    expect(text).toContain('# the first one, trained in June');
    const parsed = parseModelFile('churn.yaml', text);
    expect(parsed.ok && parsed.model.versions[1]).toMatchObject({
      version: 2,
      stage: 'staging',
      run: '12',
      experiment: 'churn-train',
      params: { lr: '0.1' },
      metrics: { loss: 0.2 },
      registeredBy: 'alice@jump1',
    });
  });

  it('refuses an s3 artifact that does not exist, saying whether the bucket or the object is missing', async () => {
    await open();
    const before = readFileSync(join(dir, 'ai', 'models', 'churn.yaml'), 'utf8');
    const noObject = await ended(await register(`s3://${bucket()}/churn/9/missing.pt`));
    expect(noObject.status).toBe('failed');
    expect(noObject.error).toBe(
      `refused: s3://${bucket()}/churn/9/missing.pt: no object "churn/9/missing.pt" in bucket ${bucket()} (the DEMO cloud); nothing was registered (give another one with --artifact URI)`,
    );
    const noBucket = await ended(await register('s3://no-such-bucket-here/m.pt', '13'));
    expect(noBucket.error).toContain('no bucket no-such-bucket-here in the DEMO cloud');
    expect(readFileSync(join(dir, 'ai', 'models', 'churn.yaml'), 'utf8')).toBe(before);
  });

  it('creates the model file of a model that has none', async () => {
    await open();
    const checkpoint = join(dir, 'step-200.json');
    writeFileSync(checkpoint, '{}');
    const id = await bus.queue.enqueue({
      kind: 'model',
      payload: { action: 'register', model: 'ranker', run: '3', artifact: `file://${checkpoint}` },
      requestedBy: alice,
    });
    const job = await ended(id);
    expect(job.status, job.error).toBe('completed');
    const parsed = parseModelFile(
      'ranker.yaml',
      readFileSync(join(dir, 'ai', 'models', 'ranker.yaml'), 'utf8'),
    );
    expect(parsed.ok && parsed.model).toMatchObject({
      name: 'ranker',
      versions: [{ version: 1, stage: 'staging', run: '3' }],
    });
  });

  it('promotes a version to production, archiving the one there, changing only the stage values; audited', async () => {
    await open();
    cloud.putObject(bucket(), 'churn/2.pt');
    expect((await ended(await register(`s3://${bucket()}/churn/2.pt`))).status).toBe('completed');
    const before = readFileSync(join(dir, 'ai', 'models', 'churn.yaml'), 'utf8');
    const job = await ended(await promote(2, 'production'));
    expect(job.status, job.error).toBe('completed');
    expect((job.result as ModelResult).transitions).toEqual([
      { version: 2, from: 'staging', to: 'production' },
      { version: 1, from: 'production', to: 'archived' },
    ]);
    const after = readFileSync(join(dir, 'ai', 'models', 'churn.yaml'), 'utf8');
    // Byte for byte the same file but for the two stage values.
    expect(
      after
        .replace('stage: archived', 'stage: production')
        .replace(/stage: production(?![\s\S]*stage: production)/, 'stage: staging'),
    ).toBe(before);

    const refused = await ended(await promote(1, 'production'));
    expect(refused.error).toMatch(
      /churn v1: archived → production is not a stage change .*promote it to staging first/,
    );

    const audit = await bus.audit.list();
    const lines = audit.map((a) => `${a.action} ${a.outcome} ${a.what}`);
    expect(lines).toContain('job.enqueue accepted model promote churn v2 to production');
    expect(lines).toContain('job.finish completed model promote churn v2 to production');
    expect(lines).toContain('job.finish failed model promote churn v1 to production');
  });

  it('refuses a registry change read-only: at enqueue, and on a read-only worker', async () => {
    await open(true);
    await expect(
      bus.queue.enqueue({
        kind: 'model',
        payload: { action: 'promote', model: 'churn', version: 1, stage: 'archived' },
        requestedBy: alice,
        readOnly: true,
      }),
    ).rejects.toThrow(/read-only/);
    const job = await ended(await promote(1, 'archived'));
    expect(job.status).toBe('failed');
    expect(job.error).toBe(
      'refused: model promote churn v1 to archived: read-only mode (this worker runs read-only (--readonly or INFRADECK_READONLY)); nothing was changed',
    );
    expect(readFileSync(join(dir, 'ai', 'models', 'churn.yaml'), 'utf8')).toBe(modelFile);
    const audit = (await bus.audit.list()).map((a) => `${a.action} ${a.outcome}`);
    expect(audit).toContain('job.enqueue rejected');
  });
});
