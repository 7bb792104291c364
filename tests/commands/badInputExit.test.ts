import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import { Capture } from '../harness/capture';

let dir: string;
let data: string;
let env: NodeJS.ProcessEnv;

/** Replaces `from` by `to` in a workspace file (once); throws when `from` is not there, so the break is real. */
function breakFile(file: string, from: string, to: string) {
  const path = join(data, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  writeFileSync(path, text.replace(from, to));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-bad-input-'));
  const ignored = new Set(['.cache', 'audit', 'jobs', 'state']);
  const example = join(__dirname, '../../data');
  data = join(dir, 'data');
  cpSync(example, data, {
    recursive: true,
    filter: (from) => !ignored.has(from.slice(example.length + 1).split(/[\\/]/)[0]),
  });
  // One bad entry in each file; the other entries stay good.
  breakFile('servers.yaml', '    port: 2222', '    port: 99999');
  breakFile('schedules.yaml', 'cron: "@hourly"', 'cron: "@hourlyy"');
  breakFile('repos.yaml', '  - name: missing-demo\n', '  - name: missing-demo\n    bogus: 1\n');
  breakFile('projects/shop.yaml', 'region: eu-west-1\n', 'region: eu-west-1\n  oops: [\n');
  env = { HOME: join(dir, 'home'), USER: 'alice', TZ: 'UTC', PATH: process.env.PATH };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function infradeck(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runHeadless(parseCli(['--data', data, '--demo', ...argv]), env, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('a workspace file with a bad entry', () => {
  // The README's "Command line": 2 is bad usage or input, a validation error included. Every listing shows
  // the good entries, names the bad one with file:line:col, and exits 2 — servers as much as the others.
  const cases: Array<[string, string[], RegExp, string]> = [
    ['servers', ['servers', '--no-probe'], /servers\.yaml:\d+:\d+: servers\[1\]\.port/, 'localhost'],
    ['schedules', ['schedules'], /schedules\.yaml:\d+:\d+: schedules\[1\]\.cron/, 'scan-europe'],
    ['projects', ['projects'], /projects\/shop\.yaml:\d+:\d+: /, 'analytics'],
  ];
  for (const [name, argv, where, listed] of cases) {
    it(`infradeck ${name}: lists the good entries, locates the bad one, exits 2 without a stack trace`, async () => {
      const r = await infradeck(...argv);
      expect(r.stderr).toMatch(where);
      expect(r.stdout).toContain(listed);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(2);
    });
    it(`infradeck ${name} --json: valid JSON on stdout, exit 2`, async () => {
      const r = await infradeck(...argv, '--json');
      expect(() => JSON.parse(r.stdout)).not.toThrow();
      expect(r.code).toBe(2);
    });
  }

  it('infradeck servers --account with an account nothing is cached for names that account', async () => {
    const r = await infradeck('servers', '--no-probe', '--account', '999999999999');
    expect(r.stderr).toContain(
      'EC2 instances not listed: nothing is cached for account 999999999999 (run `infradeck scan`)\n',
    );
  });

  it('infradeck repos: a repos.yaml it cannot take says so, not "No repositories. List them in repos.yaml"', async () => {
    const r = await infradeck('repos');
    expect(r.stderr).toMatch(/repos\.yaml:\d+:\d+: repos\[1\]\.bogus/);
    expect(r.stdout).toBe('No repositories listed: repos.yaml has problems (above).\n');
    expect(r.code).toBe(2);
  });
});
