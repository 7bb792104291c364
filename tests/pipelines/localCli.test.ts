import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import { Capture } from '../harness/capture';

interface StepRow {
  name: string;
  status: string;
  attempts: number;
  durationMs: number | null;
  kept?: boolean;
}

describe('infradeck pipelines / pipeline (no Redis: runs in the command’s process)', () => {
  let dir: string;
  let dataDir: string;
  let repo: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-pipeline-cli-'));
    dataDir = join(dir, 'data');
    repo = join(dir, 'shop');
    mkdirSync(join(dataDir, 'pipelines'), { recursive: true });
    mkdirSync(join(repo, '.infradeck'), { recursive: true });
    writeFileSync(join(dataDir, 'repos.yaml'), `repos:\n  - path: ${repo}\n`);
    // A repository's pipeline: named after the repository, its steps run in it.
    writeFileSync(
      join(repo, '.infradeck', 'pipeline.yaml'),
      ['steps:', '  - name: where', `    run: [sh, -c, 'pwd > ${dir}/where.txt']`, ''].join('\n'),
    );
    env = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_STATE_HOME: join(dir, 'state'),
      USER: 'ada',
      PATH: process.env.PATH,
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function infradeck(...argv: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runHeadless(parseCli(['--data', dataDir, ...argv]), env, { stdout, stderr });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  const ran = () => (existsSync(join(dir, 'runs.txt')) ? readFileSync(join(dir, 'runs.txt'), 'utf8') : '');
  const jobRecords = () =>
    existsSync(join(dataDir, 'jobs'))
      ? readdirSync(join(dataDir, 'jobs')).filter((f) => f.endsWith('.json'))
      : [];
  const step = (name: string, extra = '') =>
    `  - { name: ${name}, shell: true, ${extra}run: 'echo ${name} >> ${dir}/runs.txt; [ ! -e ${dir}/fail-${name} ]' }`;

  it('a pipeline file with errors: positions, exit 2, nothing runs; `pipelines` lists it as invalid', async () => {
    writeFileSync(
      join(dataDir, 'pipelines', 'build.yaml'),
      ['steps:', step('a', 'needs: [b], '), step('b', 'needs: [a], '), step('c', 'needs: [d], '), ''].join(
        '\n',
      ),
    );
    const file = join(dataDir, 'pipelines', 'build.yaml');
    const r = await infradeck('pipeline', 'run', 'build', '--wait');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      `${file}:2:36: steps[0].needs: a cycle: a -> b -> a`,
      `${file}:4:37: steps[2].needs[0]: unknown step "d" (did you mean "a"?)`,
      'infradeck pipeline: nothing started',
      '',
    ]);
    expect(ran()).toBe('');
    expect(jobRecords()).toEqual([]);

    const list = await infradeck('pipelines', '--json');
    expect(list.code).toBe(2);
    const parsed = JSON.parse(list.stdout) as {
      pipelines: Array<{ source: string | null; name: string; errors: string[]; problemKind?: string }>;
    };
    expect(parsed.pipelines.map((p) => [p.source, p.name, p.errors.length, p.problemKind ?? null])).toEqual([
      ['local', 'build', 2, 'invalid'],
      ['local', 'shop', 0, null],
      // The repository's remote CI: it has no git origin, and its row says so.
      [null, 'shop', 0, 'no-remote'],
    ]);
  });

  it('run --wait: a line per step, exit 1 when it failed; status per step; retry keeps the passed steps and exits 0', async () => {
    writeFileSync(
      join(dataDir, 'pipelines', 'build.yaml'),
      [
        'name: build',
        'steps:',
        step('deps'),
        step('test', 'needs: deps, '),
        step('ship', 'needs: [test], '),
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'fail-test'), '');
    const first = await infradeck('pipeline', 'run', 'build', '--wait');
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout.split('\n')).toEqual([
      expect.stringMatching(/^deps passed (\d+ms|\d+\.\ds)$/),
      // How long the step took depends on the machine: only that a duration is there.
      expect.stringMatching(/^test failed (\d+ms|\d+\.\ds): test: exit 1$/),
      'ship skipped',
      '',
    ]);
    const id = /^run (\S+) of build started/.exec(first.stderr)?.[1];
    expect(id, first.stderr).toBeDefined();
    expect(first.stderr).toContain(
      `run ${id} (build) failed: 1 passed, 1 failed, 1 skipped: test failed; 1 skipped`,
    );
    expect(ran()).toBe('deps\ntest\n');

    const status = await infradeck('pipeline', 'status', id!, '--json');
    expect(status.code).toBe(1);
    const view = JSON.parse(status.stdout) as { run: string; status: string; steps: StepRow[] };
    expect(view.run).toBe(id);
    expect(view.status).toBe('failed');
    expect(view.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['deps', 'passed', 1],
      ['test', 'failed', 1],
      ['ship', 'skipped', 0],
    ]);
    expect(view.steps[0].durationMs).toEqual(expect.any(Number));
    expect(view.steps[2].durationMs).toBeNull();

    await rm(join(dir, 'fail-test'));
    const again = await infradeck('pipeline', 'retry', id!, '--wait', '--json');
    expect(again.code, again.stderr).toBe(0);
    const retried = JSON.parse(again.stdout) as {
      run: string;
      status: string;
      retryOf: string;
      steps: StepRow[];
    };
    expect(retried.status).toBe('passed');
    expect(retried.retryOf).toBe(id);
    expect(retried.steps.map((s) => [s.name, s.status, s.kept ?? false])).toEqual([
      ['deps', 'passed', true],
      ['test', 'passed', false],
      ['ship', 'passed', false],
    ]);
    // deps ran once, in the first run only.
    expect(ran()).toBe('deps\ntest\ntest\nship\n');

    const nothing = await infradeck('pipeline', 'retry', retried.run);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing to retry');

    const list = await infradeck('pipelines', '--json');
    expect(list.code, list.stderr).toBe(0);
    const rows = (
      JSON.parse(list.stdout) as {
        pipelines: Array<{
          source: string | null;
          name: string;
          lastRun: { run: string; status: string } | null;
        }>;
      }
    ).pipelines.filter((r) => r.source === 'local');
    expect(rows.map((r) => [r.name, r.lastRun?.run ?? null, r.lastRun?.status ?? null])).toEqual([
      ['build', retried.run, 'passed'],
      ['shop', null, null],
    ]);
  });

  it('a repository’s pipeline runs in the repository; an unknown name lists the pipelines', async () => {
    const r = await infradeck('pipeline', 'run', 'shop', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'shop', repo: 'shop', status: 'passed' });
    expect(readFileSync(join(dir, 'where.txt'), 'utf8').trim()).toBe(repo);

    const unknown = await infradeck('pipeline', 'run', 'shp');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no pipeline "shp" (pipelines: shop)');
  });
});
