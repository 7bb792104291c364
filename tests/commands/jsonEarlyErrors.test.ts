import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asksForJson, cliArgsError, parseCli } from '../../src/cliArgs';
import { commandEnv, copyExampleWorkspace, runCommand } from '../harness/headless';

/**
 * A script reads one JSON document from stdout whatever went wrong: a command that stops early (bad usage, an id
 * or a name that names nothing, a file with errors) prints `{"errors": [...]}` there with --json, says it to the
 * person on stderr as before, and exits as before.
 */
describe('--json: a command that stops early still prints one JSON document', () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-json-early-'));
    dataDir = join(dir, 'data');
    copyExampleWorkspace(dataDir);
    env = commandEnv(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const infradeck = (...argv: string[]) => runCommand(dataDir, env, ['--demo', ...argv]);

  /** The one message stderr says after `infradeck COMMAND: `, as stdout's `{"errors": [{message, text}]}`. */
  function expectMessageOnBoth(r: { stdout: string; stderr: string }, command: string) {
    const line = r.stderr.split('\n').find((l) => l.startsWith(`infradeck ${command}: `));
    expect(line, r.stderr).toBeDefined();
    const message = line!.slice(`infradeck ${command}: `.length);
    expect(JSON.parse(r.stdout)).toEqual({ errors: [{ message, text: message }] });
    return message;
  }

  it('a usage error: the message on stdout as JSON, the message and usage on stderr, exit 2', async () => {
    const cases: [string[], string, string][] = [
      [['jobs', '--limit', 'x'], 'jobs', '--limit x: not a number from 1 to 999999'],
      [['jobs', '--bogus'], 'jobs', 'unknown flag --bogus'],
      [['destroy'], 'destroy', 'give one project name'],
      [
        ['schedule', 'pause', 'nightly-report'],
        'schedule',
        '"pause" is not one of next, run, enable, disable',
      ],
      [['scan', '--regions', 'mars-1'], 'scan', '--regions mars-1: not an AWS region'],
    ];
    for (const [argv, command, said] of cases) {
      const r = await infradeck(...argv, '--json');
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
      expect(expectMessageOnBoth(r, command)).toContain(said);
      expect(r.stderr).toContain(`usage: infradeck ${command}`);
    }
  });

  it('without --json stdout stays empty', async () => {
    const r = await infradeck('jobs', '--limit', 'x');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('an id or a name that names nothing: {"errors": [{message, text}]}, exit 2', async () => {
    const cases: [string[], string][] = [
      [['destroy', 'nope'], 'destroy'],
      [['resume', '42'], 'resume'],
      [['schedule', 'run', 'nope'], 'schedule'],
      [['schedule', 'disable', 'nope'], 'schedule'],
      [['batch', 'status', '42'], 'batch'],
      [['pipeline', 'status', '42'], 'pipeline'],
      [['ai', 'metrics', '42'], 'ai'],
      [['jobs', '42'], 'jobs'],
    ];
    for (const [argv, command] of cases) {
      const r = await infradeck(...argv, '--json');
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
      expect(expectMessageOnBoth(r, command)).toMatch(/^no (project|job|run|schedule) /);
    }
  });

  it('batch run and pipeline run of a file with errors give them located, exit 2', async () => {
    writeFileSync(join(dataDir, 'batches', 'bad.yaml'), 'targets: 3\n');
    writeFileSync(join(dataDir, 'pipelines', 'bad.yaml'), 'steps:\n  - { name: a, runn: [true] }\n');
    for (const [argv, command] of [
      [['batch', 'run', 'bad'], 'batch'],
      [['pipeline', 'run', 'bad'], 'pipeline'],
    ] as const) {
      const r = await infradeck(...argv, '--json');
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`infradeck ${command}: nothing started`);
      const { errors } = JSON.parse(r.stdout) as { errors: { text: string }[] };
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) {
        expect(e).toEqual({
          file: join(dataDir, `${command === 'batch' ? 'batches' : 'pipelines'}`, 'bad.yaml'),
          line: expect.any(Number),
          column: expect.any(Number),
          path: expect.any(String),
          message: expect.any(String),
          text: expect.stringMatching(/bad\.yaml:\d+:\d+: /),
        });
        expect(r.stderr).toContain(e.text);
      }
    }
  });

  it('batch run of a name no batch has: the message without the command prefix', async () => {
    const r = await infradeck('batch', 'run', 'nope', '--json');
    expect(r.code).toBe(2);
    const message = `no batch "nope" in ${join(dataDir, 'batches')} (batches: restart-web, versions)`;
    expect(r.stderr).toContain(`infradeck batch: ${message}\n`);
    expect(JSON.parse(r.stdout)).toEqual({ errors: [{ message, text: message }] });
  });

  it('an unknown command', async () => {
    const r = await infradeck('frobnicate', '--json');
    expect(r.code).toBe(2);
    expectMessageOnBoth(
      { ...r, stderr: r.stderr.replace(/^infradeck: /, 'infradeck frobnicate: ') },
      'frobnicate',
    );
  });
});

describe('--json for arguments that cannot be parsed at all', () => {
  it('is read from the raw words: before any --, and not from the program of run', () => {
    expect(asksForJson(['--data', '--json'])).toBe(true);
    expect(asksForJson(['--bogus', 'jobs', '--json'])).toBe(true);
    expect(asksForJson(['jobs', '--', '--json'])).toBe(false);
    expect(asksForJson(['run', 'aws', '--json'])).toBe(false);
    expect(asksForJson(['run', '--json', 'aws'])).toBe(true);
    expect(asksForJson(['--json=1', 'jobs'])).toBe(false);
  });

  it('prints {"errors": [...]} on stdout and the message on stderr', () => {
    const argv = ['--data', '--json', 'jobs'];
    let error: unknown;
    try {
      parseCli(argv);
    } catch (e) {
      error = e;
    }
    const message = '--data needs a value (DIR)';
    expect(cliArgsError(argv, error)).toEqual({
      stderr: `infradeck: ${message}\n`,
      stdout: `${JSON.stringify({ errors: [{ message, text: message }] }, null, 2)}\n`,
    });
    expect(cliArgsError(['--data'], error)).toEqual({ stderr: `infradeck: ${message}\n` });
  });
});

/** Every error's `text`, anywhere in a --json answer. */
function textsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(textsIn);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === 'text' && typeof v === 'string' ? [v] : textsIn(v),
  );
}

describe('power, delete --account and projects --json', () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-power-name-'));
    dataDir = join(dir, 'data');
    copyExampleWorkspace(dataDir);
    env = commandEnv(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const infradeck = (...argv: string[]) => runCommand(dataDir, env, ['--demo', ...argv]);

  it('power of a name that is no project: exit 2 with the project probably meant', async () => {
    const r = await infradeck('power', 'shpo', 'on');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `infradeck power: no project named shpo: no blueprint in ${join(dataDir, 'projects')} names it and no instance carries its tag (did you mean shop? projects: analytics, shop, static-site)\n`,
    );
    expect(r.stdout).toBe('');
    const json = await infradeck('power', 'nope', 'off', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).errors[0].message).toMatch(/^no project named nope: /);
  });

  it('power of a project only instances are tagged with (no blueprint) is a project: exit 0', async () => {
    // The DEMO cloud tags instances with web, data and ci; the example workspace has no blueprint of them.
    const r = await infradeck('power', 'ci', 'off', '--no-wait');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/project ci: \d+ instances? stopped/);
    // Known from the last scan too, where --regions leaves all of its instances out.
    await infradeck('scan', '--regions', 'eu-west-1', '--no-buckets');
    const elsewhere = await infradeck('power', 'ci', 'on', '--regions', 'us-east-1', '--no-wait');
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
  });

  it('power of a real project without instances: exit 0, said', async () => {
    const r = await infradeck('power', 'shop', 'on');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('project shop has no instances to start');
  });

  it('delete --account nothing is cached for: exit 2, naming the cached accounts', async () => {
    const scan = await infradeck('scan', '--regions', 'eu-west-1', '--json');
    expect(scan.code, scan.stderr).toBe(0);
    const cacheDir = join(dataDir, '.cache');
    const r = await infradeck('delete', 'i-123', '--account', '00000000000');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `infradeck delete: --account 00000000000: nothing is cached for that account in ${cacheDir} (did you mean 000000000000? cached: 000000000000)\n`,
    );
    expect(r.stdout).toBe('');
    // The account the cache has is taken as before.
    const ok = await infradeck('delete', 'i-123', '--account', '000000000000');
    expect(ok.stderr).toContain('Nothing was deleted: run again with --yes');
  });

  it('every list command repeats its problems on stderr with --json, as without', async () => {
    writeFileSync(join(dataDir, 'projects', 'broken.yaml'), 'name: broken\nregion: [eu\n');
    writeFileSync(join(dataDir, 'schedules.yaml'), 'schedules:\n  - name: x\n    cron: "61 * * * *"\n');
    writeFileSync(join(dataDir, 'pipelines', 'broken.yaml'), 'steps:\n  - { name: a, runn: [true] }\n');
    writeFileSync(join(dataDir, 'ai', 'experiments', 'broken.yaml'), 'command: [a]\nparms: { lr: 1 }\n');
    writeFileSync(join(dataDir, 'ai', 'models', 'broken.yaml'), 'versions: 3\n');
    for (const argv of [
      ['projects'],
      ['schedules'],
      ['pipelines'],
      ['ai', 'experiments'],
      ['ai', 'models'],
    ]) {
      const r = await infradeck(...argv, '--json');
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
      const all = textsIn(JSON.parse(r.stdout));
      expect(all.length, `${argv.join(' ')}: ${r.stdout}`).toBeGreaterThan(0);
      for (const text of all) expect(r.stderr, `${argv.join(' ')}`).toContain(text);
    }
  });
});

describe('--json while Redis is unreachable', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('says why on stdout as {"errors": [...]} too: exit 3', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-json-redis-down-'));
    // Port 1: nothing listens there, the connection is refused at once.
    const env = commandEnv(dir, { REDIS_URL: 'redis://127.0.0.1:1', INFRADECK_CONNECT_TIMEOUT_MS: '500' });
    for (const argv of [['jobs'], ['workers'], ['batch', 'status', '42'], ['events']]) {
      const r = await runCommand(join(dir, 'data'), env, [...argv, '--json']);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(3);
      const message = r.stderr.trimEnd().split('\n').at(-1)!.replace(`infradeck ${argv[0]}: `, '');
      expect(message).toContain('redis://127.0.0.1:1 refused the connection');
      expect(JSON.parse(r.stdout), argv.join(' ')).toEqual({ errors: [{ message, text: message }] });
    }
  });
});
