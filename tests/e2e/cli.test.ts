import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { enterAltScreen, leaveAltScreen } from '../../src/app/terminal';
import { runCli, runInTerminal, stopTerminals } from '../harness/cliProcess';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-cli-'));
  const repo = join(dir, 'app');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], { cwd: repo });
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(join(repo, 'README'), 'hello\n');
  git('add', 'README');
  git('commit', '-qm', 'first commit');
  writeFileSync(join(dir, 'repos.yaml'), 'repos:\n  - path: app\n  - path: gone\n');
  // Keep the developer's own config and data out of the test.
  env = { XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), INFRADECK_DATA: '' };
});

afterEach(() => stopTerminals());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the infradeck command', () => {
  it('prints its version and help', async () => {
    expect((await runCli(['--version'])).stdout.trim()).toBe(`infradeck ${version}`);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('infradeck repos [--json]');
  });

  it('lists repositories as JSON with exit code 1 when one cannot be read', async () => {
    const r = await runCli(['repos', '--json', '--data', dir], { env });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.repos).toHaveLength(2);
    expect(out.repos[0]).toMatchObject({
      kind: 'ok',
      branch: 'main',
      last: { subject: 'first commit', author: 'Ada' },
    });
    expect(out.repos[1]).toMatchObject({ kind: 'error' });
    expect(out.repos[1].error).toMatch(/does not exist/);
  });

  it('prints a table for humans', async () => {
    const r = await runCli(['--data', dir, 'repos'], { env });
    expect(r.stdout).toMatch(/^NAME\s+BRANCH/);
    expect(r.stdout).toMatch(/app\s+main\s+0\s+-\s+[0-9a-f]{7}/);
  });

  it('reports a bad config value with file:line and still runs', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'refresh:\n  repos: soon\n');
    const r = await runCli(['repos', '--data', dir, '--config', config], { env });
    expect(r.stderr).toContain(`${config}:2:10`);
    expect(r.stdout).toContain('first commit');
  });

  it('refuses unknown commands and flags with exit code 2', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const bad = await runCli(['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--bogus');
  });

  it('explains, rather than crashing, when stdin is not a terminal', async () => {
    const r = await runCli(['--data', dir], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs an interactive terminal');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toContain(enterAltScreen);
  });
});

describe('the console in a real terminal', () => {
  it('draws the Repositories screen full-screen and gives the terminal back on q', async () => {
    const term = runInTerminal(['--data', dir], env);
    await term.waitFor('Workers:');
    term.type('2');
    await term.waitFor('first commit');
    expect(term.output()).toContain(enterAltScreen);
    term.type('q');
    expect(await term.exited).toBe(0);
    expect(term.output()).toContain(leaveAltScreen);
  });

  it('shows what the in-process workers already know in its very first frame', async () => {
    const term = runInTerminal(['--data', dir], env);
    await term.waitFor('\x1b[?2026l'); // the end of Ink's first frame
    const first = term.output().slice(0, term.output().indexOf('\x1b[?2026l'));
    expect(first).toContain('Workers: in-process');
    expect(first).toMatch(/up \d+s\s+0 done/);
    expect(first).toContain('worker.online');
    term.type('q');
    expect(await term.exited).toBe(0);
  });

  it('gives the terminal back on SIGTERM', async () => {
    const term = runInTerminal(['--data', dir], env);
    await term.waitFor('Workers:');
    term.type('2');
    await term.waitFor('first commit');
    const pid = Number(
      execFileSync('pgrep', ['-P', String(term.child.pid)])
        .toString()
        .trim()
        .split('\n')[0],
    );
    process.kill(pid, 'SIGTERM');
    expect(await term.exited).toBe(143);
    expect(term.output().slice(term.output().lastIndexOf(enterAltScreen))).toContain(leaveAltScreen);
  });
});

describe('drawing without flicker', () => {
  it('never clears the whole screen while keys are pressed', async () => {
    const term = runInTerminal(['--data', dir], env);
    await term.waitFor('Workers:');
    term.type('2');
    await term.waitFor('first commit');
    const before = term.output().length;
    term.type('jjkk?');
    await term.waitFor('Keys of this screen');
    term.type('\x1b');
    await new Promise((r) => setTimeout(r, 300));
    const drawn = term.output().slice(before);
    expect(drawn).not.toContain('\x1b[2J');
    term.type('q');
    expect(await term.exited).toBe(0);
  });
});

describe('handing the terminal over', () => {
  it('runs ssh full-screen and comes back to the same screen', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'ssh'), '#!/bin/sh\necho "FAKE SSH SESSION $*"\nsleep 0.3\nexit 0\n', {
      mode: 0o755,
    });
    writeFileSync(
      join(dir, 'servers.yaml'),
      'servers:\n  - name: box\n    host: 127.0.0.1\n    port: 1\n    user: ops\n',
    );
    const term = runInTerminal(['--data', dir], { ...env, PATH: `${bin}:${process.env.PATH}` });
    await term.waitFor('Workers:');
    term.type(':servers\r');
    await term.waitFor('> box');
    const before = term.output().length;
    term.type('s');
    // ssh's own diagnostics go to a file (-E) the console reads back if ssh fails.
    await term.waitFor('FAKE SSH SESSION -E ');
    await new Promise((r) => setTimeout(r, 800));
    expect(term.output()).toMatch(/FAKE SSH SESSION -E \S+ssh\.log -p 1 -l ops -- 127\.0\.0\.1/);
    const after = term.output().slice(before);
    const handedOver = after.indexOf(leaveAltScreen);
    const session = after.indexOf('FAKE SSH SESSION');
    const back = after.indexOf(enterAltScreen, session);
    expect(handedOver).toBeGreaterThanOrEqual(0);
    expect(session).toBeGreaterThan(handedOver);
    expect(back).toBeGreaterThan(session);
    expect(after.slice(back)).toContain('box');
    term.type('q');
    expect(await term.exited).toBe(0);
  });
});
