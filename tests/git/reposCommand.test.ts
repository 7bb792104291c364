import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reposCommand } from '../../src/commands/repos';
import { openWorkspace } from '../../src/openWorkspace';
import { Capture } from '../harness/capture';
import { refuseAccess } from '../storage/refuseAccess';
import { ScratchRepos } from './scratchRepos';

describe('infradeck repos: exit codes', () => {
  let scratch: ScratchRepos;
  let dataDir: string;
  let reposFile: string;

  beforeEach(() => {
    scratch = new ScratchRepos();
    dataDir = scratch.folder('data');
    reposFile = join(dataDir, 'repos.yaml');
    scratch.commit(scratch.init('app'), 'README', 'hello\n', 'first commit');
  });
  afterEach(() => scratch.cleanup());

  async function repos(json = false) {
    const env = { XDG_CONFIG_HOME: join(scratch.root, 'config') };
    const workspace = await openWorkspace({ dataDir, env });
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await reposCommand({ workspace, stdout, stderr, json, readOnly: false, env });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('exits 0 when every repository was read', async () => {
    writeFileSync(reposFile, 'repos:\n  - path: ../app\n');
    const r = await repos();
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/app\s+main\s+0\s+-\s+[0-9a-f]{7}/);
  });

  it('exits 2 with the file:line:col message when repos.yaml is invalid', async () => {
    writeFileSync(reposFile, 'repos:\n  - path: ../app\n    colour: red\n');
    const r = await repos();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${reposFile}:3:5: repos[0].colour: unknown key "colour" (allowed: name, path)\n`);
  });

  it('exits 2 for YAML that cannot be parsed, in JSON mode too', async () => {
    writeFileSync(reposFile, 'repos:\n  - path: ../app\n  - path: ../app\n    path: ../other\n');
    const r = await repos(true);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).errors).toEqual([
      {
        file: reposFile,
        line: 4,
        column: 5,
        path: '',
        message: 'duplicate key "path" (already set on line 3)',
        text: `${reposFile}:4:5: duplicate key "path" (already set on line 3)`,
      },
    ]);
  });

  it('exits 1 when a listed repository cannot be read', async () => {
    writeFileSync(reposFile, 'repos:\n  - path: ../app\n  - path: ../gone\n');
    const r = await repos();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/gone\s+ERROR/);
    // What and where: the line of repos.yaml that names it.
    expect(r.stderr).toBe(
      `${reposFile}:3:11: repos[1].path: path does not exist: ${join(scratch.root, 'gone')}\n`,
    );
  });

  it('exits 1 when repos.yaml itself cannot be read: the input may be fine', async () => {
    writeFileSync(reposFile, 'repos:\n  - path: ../app\n');
    refuseAccess('readFile', reposFile);
    const r = await repos();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${reposFile}: permission denied\n`);
  });
});
