import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serversCommand } from '../../src/commands/servers';
import type { TargetSelector } from '../../src/domain/batch';
import { resolveTargets } from '../../src/domain/batchTargets';
import { parseExperimentFile } from '../../src/domain/experimentSource';
import { planRuns } from '../../src/services/ai/experiments';
import { batchTargetInputs } from '../../src/services/batch/batchesFolder';
import { targetProblemText } from '../batch/targetProblemText';

// What reads servers.yaml besides the Servers tab: a bad entry costs only itself there too, and nothing runs on it.
describe('a servers.yaml with a bad entry, read by batches, experiments and `infradeck servers`', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-bad-entry-'));
    file = join(dir, 'servers.yaml');
    await writeFile(
      file,
      [
        'servers:',
        '  - { name: web-1, host: 127.0.0.11, project: shop, tags: { role: web } }',
        '  - { name: web-2, host: 127.0.0.12, port: many, project: shop, tags: { role: web } }',
        '  - { name: db.internal, host: 127.0.0.21, usr: root, project: data }',
        '  - { name: ci, host: 127.0.0.31 }',
        '  - { name: ci, host: 127.0.0.32 }',
      ].join('\n'),
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function resolve(selector: TargetSelector) {
    const { inputs, errors } = await batchTargetInputs(dir, [], { HOME: dir });
    expect(errors).toHaveLength(3);
    const r = resolveTargets([selector], inputs);
    return r.ok
      ? r.targets.map((t) => `${t.name} ${t.host}`)
      : r.problems.map((p) => targetProblemText(p, 1));
  }

  it('a batch on a valid host runs there; one that names a bad entry is refused, saying where it is', async () => {
    expect(await resolve({ servers: ['web-1'] })).toEqual(['web-1 127.0.0.11']);
    expect(await resolve({ servers: ['web-1', 'web-2'] })).toEqual([
      `targets.servers[1]: server "web-2" of servers.yaml has a problem: ${file}:3:44: servers[1].port: expected a number, got "many"`,
    ]);
  });

  it('an ad-hoc name of a bad entry is never taken as an address, nor a name two entries share as the first', async () => {
    expect(await resolve({ names: ['db.internal'] })).toEqual([
      `targets.names[0]: server "db.internal" of servers.yaml has a problem: ${file}:4:44: servers[2].usr: unknown key "usr" (did you mean "user"? allowed: name, host, port, user, identityFile, tags, project)`,
    ]);
    expect(await resolve({ names: ['ci'] })).toEqual([
      `targets.names[0]: server "ci" of servers.yaml has a problem: ${file}:6:13: servers[4].name: "ci" is already the name of servers[3]; names must be unique`,
    ]);
  });

  it('a project or tags that a bad entry may have is refused rather than run on fewer hosts; others run', async () => {
    const refused = [
      `targets: "web-2" of servers.yaml may be one of these, but ${file}:3:44: servers[1].port: expected a number, got "many"`,
    ];
    expect(await resolve({ project: 'shop' })).toEqual(refused);
    expect(await resolve({ tags: { role: 'web' } })).toEqual(refused);
    // The bad entry says another project, or the batch is on EC2 only: nothing of it is in doubt.
    expect(await resolve({ project: 'data', from: 'ec2' })).toEqual([
      'targets.project: no EC2 instance belongs to project "data"',
    ]);
    expect(await resolve({ tags: { role: 'db' } })).toEqual([
      'targets.tags.role: no server or EC2 instance has the tag role=db (role is web there)',
    ]);
  });

  it('an experiment runs on a valid host, and not on a bad one', async () => {
    const experiment = (server: string) => {
      const parsed = parseExperimentFile(
        join(dir, 'ai', 'experiments', 't.yaml'),
        `command: [uptime]\nwhere: { server: ${server} }\n`,
      );
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return planRuns(parsed, { dataDir: dir, env: { HOME: dir } });
    };
    const good = await experiment('web-1');
    expect(good.ok && good.plan.payloads[0].where).toMatchObject({
      type: 'server',
      target: { name: 'web-1', host: '127.0.0.11' },
    });
    expect(await experiment('web-2')).toEqual({
      ok: false,
      errors: [`${file}:3:44: servers[1].port: expected a number, got "many"`],
    });
  });

  /** `infradeck servers ARGS` on this workspace (DEMO cloud, nothing scanned): its exit code and what it printed. */
  async function servers(argv: string[]) {
    const capture = () =>
      Object.assign(
        new Writable({
          write(chunk, _enc, done) {
            (this as unknown as { text: string }).text += chunk.toString();
            done();
          },
        }),
        { text: '' },
      );
    const stdout = capture();
    const stderr = capture();
    const code = await serversCommand(argv, {
      stdout,
      stderr,
      env: { HOME: dir },
      workspace: { dataDir: dir },
      cloud: { demo: true },
    });
    return { code, out: stdout.text, err: stderr.text };
  }

  it('`infradeck servers` lists the valid hosts, names each bad entry with its place, and exits 2', async () => {
    const { code, out, err } = await servers(['--no-probe']);
    // 2, as every command that reads a workspace file with errors: the listing is there all the same.
    expect(code).toBe(2);
    expect(out.split('\n').map((l) => l.split(/\s+/)[0])).toEqual(expect.arrayContaining(['web-1', 'ci']));
    expect(out).not.toMatch(/^(web-2|db\.internal)\s/m);
    expect(out).not.toContain('127.0.0.32');
    expect(err).toContain(`${file}:3:44: servers[1].port: expected a number, got "many"`);
    expect(err).toContain(`${file}:6:13: servers[4].name: "ci" is already the name of servers[3]`);
    expect(err).toContain(
      'servers.yaml: 3 entries with problems are not listed: servers[1] "web-2", servers[2] "db.internal", servers[4] "ci"',
    );
  });

  it('`infradeck servers --json` carries the bad entries, each with its name and located problems', async () => {
    const { code, out } = await servers(['--no-probe', '--json']);
    expect(code).toBe(2);
    const json = JSON.parse(out);
    expect(json.servers.map((s: { name: string }) => s.name)).toEqual(['web-1', 'ci']);
    expect(json.serversFileRead).toBe(true);
    expect(json.invalid).toEqual([
      {
        index: 1,
        name: 'web-2',
        errors: [
          {
            file,
            line: 3,
            column: 44,
            path: 'servers[1].port',
            message: 'expected a number, got "many"',
            text: `${file}:3:44: servers[1].port: expected a number, got "many"`,
          },
        ],
      },
      expect.objectContaining({ index: 2, name: 'db.internal' }),
      expect.objectContaining({ index: 4, name: 'ci' }),
    ]);
  });

  it('`infradeck servers` on a servers.yaml that is not YAML lists none of it and exits 2', async () => {
    await writeFile(file, 'servers:\n  - { name: web-1, host: 127.0.0.11\n');
    const { code, err } = await servers(['--no-probe', '--json']);
    expect(code).toBe(2);
    expect(err).toContain('servers.yaml not read: none of its hosts is listed');
  });
});
