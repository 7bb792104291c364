import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployCommand } from '../../src/commands/deploy';
import { planCommand } from '../../src/commands/plan';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { Capture } from '../harness/capture';
import { commandEnv, copyExampleWorkspace, runCommand } from '../harness/headless';

/** Scripts read `--json` from stdout: an error there is JSON too, in the shape every command gives its errors. */
describe('--json errors on stdout', () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-json-errors-'));
    dataDir = join(dir, 'data');
    copyExampleWorkspace(dataDir);
    env = commandEnv(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const infradeck = (...argv: string[]) => runCommand(dataDir, env, argv);

  it('plan and deploy PROJECT --json of an unknown project print the error as JSON, exit 2', async () => {
    for (const command of ['plan', 'deploy']) {
      const r = await infradeck('--demo', command, 'nope', '--json');
      expect(r.code, r.stderr).toBe(2);
      const message = r.stderr.replace(`infradeck ${command}: `, '').trimEnd();
      expect(message).toMatch(`no project named nope in ${join(dataDir, 'projects')} (projects: `);
      expect(JSON.parse(r.stdout)).toEqual({ project: 'nope', errors: [{ message, text: message }] });
    }
  });

  it('plan --json and deploy --json (no --yes) say on stdout that the cloud could not be asked, exit 1', async () => {
    const cloud = new DemoCloud({ latencyScale: 0, transitionMs: 0 });
    const run = async (command: typeof planCommand, argv: string[]) => {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await command(argv, {
        stdout,
        stderr,
        env,
        workspace: { dataDir },
        openCloud: async () => ({ provider: cloud, problem: 'the SSO session has expired' }),
      });
      return { code, stdout: stdout.text, stderr: stderr.text };
    };
    const problem = 'could not ask the cloud: the SSO session has expired';
    const plan = await run(planCommand, ['shop', '--json']);
    expect(plan.code, plan.stderr).toBe(1);
    expect(JSON.parse(plan.stdout)).toEqual({
      project: 'shop',
      errors: [{ message: problem, text: problem }],
    });
    const deploy = await run(deployCommand, ['shop', '--json']);
    expect(deploy.code, deploy.stderr).toBe(1);
    expect(JSON.parse(deploy.stdout)).toEqual({
      deployed: false,
      reason: `the plan cannot be shown here: ${problem}`,
      plan: null,
    });
  });

  /** Every `errors` array anywhere in a --json answer, with where it is. */
  function errorLists(value: unknown, where = '$'): { where: string; errors: unknown[] }[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => errorLists(v, `${where}[${i}]`));
    if (!value || typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([key, v]) =>
      key === 'errors' && Array.isArray(v)
        ? [{ where: `${where}.errors`, errors: v }, ...errorLists(v, `${where}.errors`)]
        : errorLists(v, `${where}.${key}`),
    );
  }

  it('every list command gives its --json errors as objects: {file, line, column, path, message, text}', async () => {
    // A workspace with a mistake in every file a command lists.
    writeFileSync(join(dataDir, 'projects', 'broken.yaml'), 'name: broken\nregion: [eu\n');
    appendFileSync(join(dataDir, 'servers.yaml'), '  - { name: bad, host: 1.2.3.4, colour: red }\n');
    writeFileSync(join(dataDir, 'schedules.yaml'), 'schedules:\n  - name: x\n    cron: "61 * * * *"\n');
    writeFileSync(join(dataDir, 'repos.yaml'), 'repos:\n  - path: ..\n    colour: red\n');
    writeFileSync(join(dataDir, 'pipelines', 'broken.yaml'), 'steps:\n  - { name: a, runn: [true] }\n');
    writeFileSync(join(dataDir, 'ai', 'experiments', 'broken.yaml'), 'command: [a]\nparms: { lr: 1 }\n');
    writeFileSync(join(dataDir, 'ai', 'models', 'broken.yaml'), 'versions: 3\n');
    for (const argv of [
      ['projects'],
      ['servers', '--no-probe'],
      ['schedules'],
      ['repos'],
      ['pipelines'],
      ['ai', 'experiments'],
      ['ai', 'models'],
    ]) {
      const r = await infradeck('--demo', ...argv, '--json');
      const lists = errorLists(JSON.parse(r.stdout));
      const errors = lists.flatMap((l) => l.errors.map((e) => ({ where: l.where, e })));
      expect(errors.length, `${argv.join(' ')}: no errors in ${r.stdout}`).toBeGreaterThan(0);
      for (const { where, e } of errors) {
        const said = `${argv.join(' ')} ${where}: ${JSON.stringify(e)}`;
        expect(typeof e, said).toBe('object');
        expect(e, said).toEqual({
          file: expect.any(String),
          line: expect.any(Number),
          column: expect.any(Number),
          path: expect.any(String),
          message: expect.any(String),
          text: expect.stringContaining((e as { message: string }).message),
        });
      }
    }
  });

  it('timeline --json gives a problem that has no position as {message, text}', async () => {
    // The example repos.yaml lists data/.. (here not a git repository) and a folder that does not exist.
    const r = await infradeck('timeline', '--lanes', 'commits', '--json');
    expect(r.code, r.stderr).toBe(0);
    const message = 'commits of infradeck: not a git repository';
    expect(JSON.parse(r.stdout).errors).toContainEqual({ message, text: message });
  });
});
