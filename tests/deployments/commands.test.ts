import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployCommand } from '../../src/commands/deploy';
import { destroyCommand } from '../../src/commands/destroy';
import { planCommand } from '../../src/commands/plan';
import { type ProjectCommandIO, projectsCommand } from '../../src/commands/projects';
import { resumeCommand } from '../../src/commands/resume';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { readStateFile } from '../../src/services/projects/stateFile';
import { runCli } from '../harness/cliProcess';
import { brokenText, exampleText, liveOf } from './deploymentsHarness';

class Capture extends Writable {
  text = '';
  onText?: (text: string) => void;
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    this.onText?.(this.text);
    done();
  }
}

type Command = (argv: string[], io: ProjectCommandIO) => Promise<number>;

describe('the project commands on the demo cloud, without Redis', () => {
  let dataDir: string;
  let cloud: DemoCloud;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'infradeck-project-cli-'));
    mkdirSync(join(dataDir, 'projects'));
    for (const name of ['shop', 'static-site'])
      writeFileSync(join(dataDir, 'projects', `${name}.yaml`), exampleText(name));
    cloud = new DemoCloud({ latencyScale: 0, transitionMs: 0 });
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /**
   * Runs a command as `infradeck --demo …` would; every run of one test acts on one and the same demo cloud
   * (a real account keeps what a command made; a fresh demo cloud would not).
   */
  async function run(command: Command, argv: string[], extra: Partial<ProjectCommandIO> = {}) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await command(argv, {
      stdout,
      stderr,
      env: { USER: 'alice', HOME: dataDir },
      workspace: { dataDir },
      cloud: { demo: true },
      openCloud: async () => ({ provider: cloud, identity: await cloud.identity(), demoReason: '--demo' }),
      ...extra,
    });
    return { code, out: stdout.text, err: stderr.text, stdout, stderr };
  }

  it('projects lists every blueprint with its sync status; an invalid one exits 2 with file:line:col', async () => {
    const ok = await run(projectsCommand, []);
    expect(ok.code).toBe(0);
    const lines = ok.out.trim().split('\n');
    expect(lines[0]).toMatch(/^PROJECT\s+PROTECTED\s+STATE\s+STATUS\s+SYNC\s+REGION\s+OWNER\s+LAST JOB$/);
    expect(lines[1]).toMatch(/^shop\s+-\s+ready\s+not deployed\s+eu-west-1\s+web-team@example.com$/);
    expect(lines[2]).toMatch(/^static-site\s+yes\s+-\s+ready\s+not deployed\s+eu-west-1\s+docs@example.com$/);

    writeFileSync(join(dataDir, 'projects', 'broken.yaml'), brokenText);
    const bad = await run(projectsCommand, ['--json']);
    expect(bad.code).toBe(2);
    const body = JSON.parse(bad.out);
    expect(body.projects.map((p: { name: string }) => p.name)).toEqual(['broken', 'shop', 'static-site']);
    // Never deployed and not readable: nothing is ready to deploy.
    expect(body.projects[0].status).toBe('invalid');
    const file = join(dataDir, 'projects', 'broken.yaml');
    // Located, as every command's --json gives its errors (as plan --json and servers --json do).
    expect(body.projects[0].errors).toEqual([
      {
        file,
        line: 11,
        column: 24,
        path: 'compute.instances[0].type',
        message: '"t9.huge" is not an instance type',
        text: `${file}:11:24: compute.instances[0].type: "t9.huge" is not an instance type`,
      },
    ]);
    expect(body.projects[1]).toMatchObject({
      name: 'shop',
      status: 'ready',
      sync: 'not deployed',
      protected: false,
    });
  });

  it('plan and deploy --json of an invalid blueprint give its located problems on stdout, exit 2', async () => {
    writeFileSync(join(dataDir, 'projects', 'broken.yaml'), brokenText);
    const file = join(dataDir, 'projects', 'broken.yaml');
    const problem = {
      file,
      line: 11,
      column: 24,
      path: 'compute.instances[0].type',
      message: '"t9.huge" is not an instance type',
      text: `${file}:11:24: compute.instances[0].type: "t9.huge" is not an instance type`,
    };
    for (const command of [planCommand, deployCommand]) {
      const r = await run(command, ['broken', '--json']);
      expect(r.code).toBe(2);
      // The same shape as `servers --json` gives an entry's problems.
      expect(JSON.parse(r.out)).toEqual({ project: 'broken', errors: [problem] });
      expect(r.err).toContain(`${problem.text}\n`);
    }
  });

  it('plan prints what a deploy would do and changes nothing; deploy without --yes refuses', async () => {
    const plan = await run(planCommand, ['shop']);
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(
      /^12 to create, 0 unchanged \(not deployed\)\n {2}1\. \+ create vpc shop 10\.20\.0\.0\/16/,
    );
    expect(plan.out).toContain('4. + create 2 × t3.small web in public-a');
    expect(plan.err).toContain('planning shop against the DEMO cloud');

    const json = JSON.parse((await run(planCommand, ['shop', '--json'])).out);
    expect(json).toMatchObject({ project: 'shop', region: 'eu-west-1', sync: 'not deployed', blockers: [] });
    expect(json.actions).toHaveLength(12);
    expect(json.actions[0]).toMatchObject({ kind: 'create', logicalId: 'vpc', type: 'vpc' });

    const refused = await run(deployCommand, ['shop']);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('12 to create');
    expect(refused.err).toContain('Nothing was deployed: run again with --yes');
    expect(liveOf(cloud, 'shop')).toEqual([]);

    expect((await run(planCommand, ['nope'])).err).toContain('no project named nope');
    writeFileSync(join(dataDir, 'projects', 'broken.yaml'), brokenText);
    const broken = await run(planCommand, ['broken']);
    expect(broken.code).toBe(2);
    expect(broken.err).toContain('broken.yaml:11:24: compute.instances[0].type');
    expect((await run(planCommand, [])).code).toBe(2);
  });

  it('deploy --yes prints each step, then plan says in sync; destroy of a protected project needs --confirm', async () => {
    const deployed = await run(deployCommand, ['shop', '--yes']);
    expect(deployed.code).toBe(0);
    expect(deployed.out).toMatch(/\[12\/12\] deployed shop/);
    expect(deployed.err).toMatch(/deployed shop: 13 created, 0 deleted/);
    expect(deployed.err).toMatch(/job \d+ completed/);
    expect(liveOf(cloud, 'shop')).toHaveLength(13);

    const again = await run(planCommand, ['shop']);
    expect(again.out).toMatch(/^12 unchanged \(in sync\)/);
    const listed = await run(projectsCommand, []);
    expect(listed.out).toMatch(
      /shop\s+provisioned\s+done\s+in sync\s+eu-west-1\s+web-team@example.com\s+deploy \d+ done/,
    );

    const nothing = await run(deployCommand, ['shop', '--yes']);
    expect(nothing.code).toBe(0);
    expect(nothing.err).toContain('shop is in sync: nothing to deploy');

    expect((await run(deployCommand, ['static-site', '--yes'])).code).toBe(0);
    const ask = await run(destroyCommand, ['static-site']);
    expect(ask.code).toBe(2);
    expect(ask.out).toContain('1. bucket infradeck-demo-docs-site');
    expect(ask.err).toContain('run again with --yes --confirm static-site');
    const wrong = await run(destroyCommand, ['static-site', '--yes', '--confirm', 'static']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--confirm static is not its name');
    expect(liveOf(cloud, 'static-site')).toHaveLength(1);
    const gone = await run(destroyCommand, ['static-site', '--yes', '--confirm', 'static-site', '--json']);
    expect(gone.code).toBe(0);
    expect(JSON.parse(gone.out).result.deleted).toEqual([
      expect.objectContaining({ type: 'bucket', id: 'infradeck-demo-docs-site' }),
    ]);
    expect(liveOf(cloud, 'static-site')).toEqual([]);

    expect((await run(destroyCommand, ['shop', '--yes'])).code).toBe(0);
    expect(liveOf(cloud, 'shop')).toEqual([]);
  });

  it('read-only: the deploy is refused before anything is queued (exit 1) and nothing is made', async () => {
    const r = await run(deployCommand, ['shop', '--yes'], { readOnly: true });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /refused: deploy job "deploy shop \(d-[^)]+\)": read-only mode .*; nothing was queued/,
    );
    expect(r.err).not.toMatch(/job \d+ queued/);
    expect(r.err).not.toContain('infradeck resume');
    expect(liveOf(cloud, 'shop')).toEqual([]);
  });

  it('resume JOB continues a deploy stopped half way, from its state file, without a duplicate', async () => {
    const slow = new DemoCloud({ latencyScale: 1, transitionMs: 0 });
    cloud = slow;
    const stop = new AbortController();
    // Ctrl-C once the VPC exists: the job is cancelled there, the process (and its in-memory queue) ends.
    const poll = setInterval(() => {
      if (liveOf(slow, 'shop').length > 0) stop.abort();
    }, 2);
    const first = await run(deployCommand, ['shop', '--yes'], { signal: stop.signal });
    clearInterval(poll);
    expect(first.code).toBe(4);
    const jobId = /job (\d+) queued/.exec(first.err)?.[1];
    expect(first.err).toContain(`to continue where it stopped: infradeck resume ${jobId}`);
    const made = liveOf(slow, 'shop').length;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(13);
    const state = await readStateFile(dataDir, 'shop');
    expect(state.ok && state.state?.lastJob?.jobId).toBe(jobId);

    // The workspace's job history knows the job too; without it (pruned, deleted) the state file still tells.
    rmSync(join(dataDir, 'jobs', `${jobId}.json`));
    const resumed = await run(resumeCommand, [jobId!]);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain(`resuming deploy`);
    expect(resumed.err).toContain(`as the state file remembers the job`);
    const live = liveOf(slow, 'shop');
    expect(live).toHaveLength(13);
    const deployIds = new Set(live.map((r) => r.tags['infradeck:deploy']));
    expect(deployIds.size).toBe(1);

    expect((await run(resumeCommand, ['999'])).err).toContain('no job 999');
    const done = await run(resumeCommand, [jobId!]);
    expect(done.code).toBe(2);
  });

  it('without working credentials here, plan exits 1; deploy --yes leaves the plan to the worker', async () => {
    // This host's credentials fail; the worker (here, in-process on the same demo cloud) has its own.
    const noCredentials = {
      openCloud: async () => ({ provider: cloud, problem: 'the SSO session has expired' }),
    };
    const plan = await run(planCommand, ['shop'], noCredentials);
    expect(plan.code).toBe(1);
    expect(plan.err).toContain('infradeck plan: could not ask the cloud: the SSO session has expired');
    const shown = await run(deployCommand, ['shop'], noCredentials);
    expect(shown.code).toBe(1);
    expect(shown.err).toContain('Nothing was deployed: the plan cannot be shown here.');
    expect(liveOf(cloud, 'shop')).toEqual([]);
    const deployed = await run(deployCommand, ['shop', '--yes'], noCredentials);
    expect(deployed.err).toContain('the worker plans against its own cloud');
    expect(deployed.code).toBe(0);
    expect(liveOf(cloud, 'shop')).toHaveLength(13);
  });

  it('exits 3 when Redis is unreachable, after showing the plan; nothing is queued or made', async () => {
    const r = await run(deployCommand, ['shop', '--yes'], {
      env: {
        USER: 'alice',
        HOME: dataDir,
        REDIS_URL: 'redis://127.0.0.1:1',
        INFRADECK_CONNECT_TIMEOUT_MS: '300',
      },
    });
    expect(r.code).toBe(3);
    expect(r.out).toContain('12 to create');
    expect(r.err).toMatch(/infradeck deploy: Redis is unreachable/);
    expect(liveOf(cloud, 'shop')).toEqual([]);
  });

  it('runs through the real CLI with --demo: plan, deploy without --yes, projects --json', async () => {
    writeFileSync(join(dataDir, 'projects', 'broken.yaml'), brokenText);
    const env = { HOME: dataDir, REDIS_URL: '', AWS_PROFILE: '', NO_COLOR: '1' };
    const plan = await runCli(['--demo', '--data', dataDir, 'plan', 'shop'], { env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^12 to create, 0 unchanged \(not deployed\)/);
    const deploy = await runCli(['--demo', '--data', dataDir, 'deploy', 'shop'], { env });
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toContain('run again with --yes');
    const list = await runCli(['--data', dataDir, 'projects', '--json', '--demo'], { env });
    expect(list.code).toBe(2);
    expect(JSON.parse(list.stdout).projects).toHaveLength(3);
    const resume = await runCli(['--data', dataDir, 'resume'], { env });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('usage: infradeck resume JOB');
  });
});
