import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandEnv, copyExampleWorkspace, runCommand } from '../harness/headless';

/** The example workspace, with something wrong: each command says what and where. */
describe('a broken workspace or a bad path', () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-broken-ws-'));
    dataDir = join(dir, 'data');
    copyExampleWorkspace(dataDir);
    env = commandEnv(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const infradeck = (...argv: string[]) => runCommand(dataDir, env, argv);

  it('timeline names the repos.yaml problem (its commits lane was silently empty)', async () => {
    const reposFile = join(dataDir, 'repos.yaml');
    writeFileSync(reposFile, 'repos: [\n');
    const text = await infradeck('timeline', '--lanes', 'commits');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(new RegExp(`^infradeck timeline: ${reposFile}:2:1: .+`, 'm'));

    const json = await infradeck('timeline', '--lanes', 'commits', '--json');
    expect(JSON.parse(json.stdout).errors).toEqual([
      expect.objectContaining({ file: reposFile, line: 2, column: 1, message: expect.any(String) }),
    ]);
  });

  it('a --data folder that does not exist is said, not read as an empty workspace in silence', async () => {
    const missing = join(dir, 'dta');
    const r = await runCommand(missing, env, ['projects']);
    expect(r.stderr).toContain(`${missing}: no such folder (given with --data): an empty workspace\n`);
    writeFileSync(missing, 'a file\n');
    expect((await runCommand(missing, env, ['schedules'])).stderr).toContain(
      `${missing}: not a folder (given with --data)`,
    );
  });

  it('audit --export into a folder that does not exist names that folder, not its temporary file', async () => {
    const file = join(dir, 'nowhere', 'trail.jsonl');
    const r = await infradeck('audit', '--export', file);
    expect(r.stderr).toBe(
      `infradeck audit: cannot write ${file}: the folder ${join(dir, 'nowhere')} does not exist\n`,
    );
    expect(r.code).toBe(1);
  });
});
