import { cpSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelFile } from '../../src/domain/modelSource';
import { commandEnv, runCommand } from '../harness/headless';

/**
 * The registry from the command line, without Redis (jobs run in the command's process, finished ones kept in the
 * workspace), on the example workspace's experiment and model file, as shipped. One session, in order: a run, its
 * registration, promotions, refusals, a one-wave rollout.
 */
describe('infradeck ai register|promote|models|rollout (no Redis)', () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let run: string;
  const modelFile = () => join(dataDir, 'ai', 'models', 'tiny-regression.yaml');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-registry-cli-'));
    dataDir = join(dir, 'data');
    cpSync(resolve('data/ai'), join(dataDir, 'ai'), { recursive: true });
    cpSync(resolve('data/servers.yaml'), join(dataDir, 'servers.yaml'));
    env = commandEnv(dir);
    const started = await infradeck('ai', 'run', 'tiny-regression', '--param', 'lr=0.1', '--json');
    expect(started.code, started.stderr).toBe(0);
    run = JSON.parse(started.stdout).runs[0].run;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const infradeck = (...argv: string[]) => runCommand(dataDir, env, argv);

  it('registers a run with its params, final metrics and last checkpoint, keeping the file’s comments', async () => {
    const before = readFileSync(modelFile(), 'utf8');
    const r = await infradeck('ai', 'register', run, '--model', 'tiny-regression');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`tiny-regression v1 registered from run ${run} (staging)\n`);
    expect(r.stderr).toMatch(/artifact file:\/\/.*step-200\.json found on this worker/);
    const text = readFileSync(modelFile(), 'utf8');
    expect(text.slice(0, before.indexOf('versions: []'))).toBe(
      before.slice(0, before.indexOf('versions: []')),
    );
    const parsed = parseModelFile(modelFile(), text);
    expect(parsed.ok && parsed.model.versions).toEqual([
      expect.objectContaining({
        version: 1,
        stage: 'staging',
        run,
        experiment: 'tiny-regression',
        params: { steps: '200', seed: '7', lr: '0.1' },
        metrics: expect.objectContaining({ loss: expect.any(Number), val_loss: expect.any(Number) }),
        artifact: expect.stringMatching(/^file:\/\/.*step-200\.json$/),
        registeredBy: expect.stringMatching(/^ada@/),
      }),
    ]);
  });

  it('refuses an s3 artifact that is not there, and changes nothing', async () => {
    const before = readFileSync(modelFile(), 'utf8');
    const r = await infradeck(
      'ai',
      'register',
      run,
      '--model',
      'tiny-regression',
      '--artifact',
      's3://no-such-models/tiny/1.json',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'refused: s3://no-such-models/tiny/1.json: no bucket no-such-models in the DEMO cloud; nothing was registered',
    );
    expect(readFileSync(modelFile(), 'utf8')).toBe(before);
  });

  it('promotes, refuses a stage change the registry does not make (exit 2), and refuses read-only (exit 1)', async () => {
    const readOnly = await infradeck('--readonly', 'ai', 'promote', 'tiny-regression', '1', 'production');
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(/read-only/);
    const ok = await infradeck('ai', 'promote', 'tiny-regression', 'v1', 'production');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('tiny-regression: v1 staging → production\n');
    const back = await infradeck('ai', 'promote', 'tiny-regression', '1', 'staging');
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/v1: production → staging is not a stage change the registry makes/);
    const typo = await infradeck('ai', 'promote', 'tiny-regresion', '1', 'archived');
    expect(typo.stderr).toContain('no model "tiny-regresion" (did you mean "tiny-regression"?');
    const audit = await infradeck('audit', '--json');
    expect(audit.stdout).toContain('model promote tiny-regression v1 to production');
  });

  it('lists the models with each version', async () => {
    const r = await infradeck('ai', 'models', '--json');
    expect(r.code, r.stderr).toBe(0);
    const { models } = JSON.parse(r.stdout);
    expect(
      models.map((m: { name: string; versions: { version: number; stage: string }[] }) => [
        m.name,
        m.versions.map((v) => `v${v.version} ${v.stage}`),
      ]),
    ).toEqual([['tiny-regression', ['v1 production']]]);
  });

  it('rolls out in one wave without Redis, and refuses waves that would wait for an advance', async () => {
    const waves = await infradeck('ai', 'rollout', 'tiny-regression', '1');
    expect(waves.code).toBe(2);
    expect(waves.stderr).toContain('2 waves: a rollout pauses after each one');
    const r = await infradeck(
      'ai',
      'rollout',
      'tiny-regression',
      '1',
      '--serial',
      '100%',
      '--deploy',
      'echo "v$INFRADECK_MODEL_VERSION on $INFRADECK_TARGET"',
      '--health',
      'test -n "$INFRADECK_TARGET"',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/rollout-tiny-regression-v1 \S+ completed: 2 ok, 0 failed, 0 skipped/);
    expect(r.stdout).toMatch(/localhost ok exit 0/);
    expect(r.stderr).toContain('rollout of tiny-regression v1 (in production already) on the DEMO cloud');
    expect(r.stderr).toContain('deploy: echo "v$INFRADECK_MODEL_VERSION on $INFRADECK_TARGET"');
  });
});
