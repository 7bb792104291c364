import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import { Capture } from '../harness/capture';
import { copyExampleWorkspace } from '../harness/headless';

let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-table-width-'));
  copyExampleWorkspace(join(dir, 'data'));
  env = { HOME: join(dir, 'home'), USER: 'alice', TZ: 'UTC', PATH: process.env.PATH };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `infradeck ARGS…` on a terminal `columns` wide (undefined: a pipe): stdout's lines. */
async function infradeck(columns: number | undefined, ...argv: string[]): Promise<string[]> {
  const stdout = new Capture(columns);
  const stderr = new Capture();
  await runHeadless(parseCli(['--data', join(dir, 'data'), '--demo', ...argv]), env, { stdout, stderr });
  return stdout.text.trimEnd().split('\n');
}

function expectFits(lines: string[], columns: number) {
  for (const line of lines) expect(stringWidth(line), `${columns}: ${line}`).toBeLessThanOrEqual(columns);
}

describe('headless tables on a terminal', () => {
  it('schedules: every row fits at 80, 120 and 200 columns; names, zones and paused stay whole', async () => {
    for (const columns of [80, 120, 200]) {
      const lines = await infradeck(columns, 'schedules');
      expectFits(lines, columns);
      expect(lines[0], `${columns}`).toMatch(/^NAME\s+CRON\s+.*ZONE\s+NEXT\s+LAST/);
      for (const [name, zone] of [
        ['scan-europe', 'Europe/Berlin'],
        ['uptime', 'UTC'],
        ['nightly-report', 'Europe/Berlin'],
        ['full-scan', 'UTC'],
      ]) {
        expect(
          lines.find((l) => l.startsWith(`${name} `)),
          `${columns}: ${name}`,
        ).toContain(` ${zone} `);
      }
      expect(lines.find((l) => l.startsWith('full-scan '))).toMatch(/ paused /);
      // The first next tick is whole: `2026-12-07 10:30`.
      expect(lines.find((l) => l.startsWith('uptime '))).toMatch(/ \d{4}-\d\d-\d\d \d\d:\d\d/);
    }
    // At 80 what the job does is hidden, and the room it leaves goes to the next ticks, not to the hidden column.
    expect((await infradeck(80, 'schedules')).find((l) => l.startsWith('uptime '))).toMatch(
      / \d{4}-\d\d-\d\d \d\d:00, \d\d:00/,
    );
    const wide = await infradeck(200, 'schedules');
    expect(wide[0]).toMatch(/^NAME\s+CRON\s+WHEN\s+ZONE\s+NEXT\s+LAST\s+JOB$/);
    expect(wide.find((l) => l.startsWith('scan-europe '))).toContain(
      'scan eu-central-1, eu-west-1 (no buckets)',
    );
    // A pipe gets every column whole.
    expect((await infradeck(undefined, 'schedules'))[0]).toMatch(/WHEN\s+ZONE\s+NEXT\s+LAST\s+JOB$/);
  });

  it('repos, servers, projects, resources, audit and ai experiments fit at 80, 120 and 200 columns', async () => {
    await infradeck(undefined, 'scan'); // the resources and the audit trail to list
    const tables: Array<[string[], RegExp, string[]]> = [
      [['repos'], /^NAME\s+BRANCH/, ['infradeck ', 'missing-demo ']],
      [['servers', '--no-probe'], /^NAME\s+SOURCE\s+HOST\s+PORT\s+STATE/, ['bastion-example ', 'localhost ']],
      [['projects'], /^PROJECT\s+/, ['analytics ', 'static-site ']],
      [['audit'], /^WHEN\s+WHO\s+WHERE\s+ACTION\s+JOB\s+OUTCOME/, []],
      [['ai', 'experiments'], /^EXPERIMENT\s+RUNS\s+WHERE\s+METRIC\s+PARAMS/, ['tiny-regression ']],
    ];
    for (const [argv, header, names] of tables) {
      const piped = await infradeck(undefined, ...argv);
      for (const columns of [80, 120, 200]) {
        const lines = await infradeck(columns, ...argv);
        expectFits(lines, columns);
        expect(lines[0], `${argv.join(' ')} at ${columns}`).toMatch(header);
        expect(lines).toHaveLength(piped.length);
        for (const name of names)
          expect(
            lines.some((l) => l.startsWith(name)),
            `${argv} ${name}`,
          ).toBe(true);
      }
    }
    // servers: the host (an address) and its state stay whole, the ssh command goes first.
    const servers = await infradeck(80, 'servers', '--no-probe');
    expect(servers.find((l) => l.startsWith('bastion-example '))).toMatch(/ 127\.0\.0\.2 +2222\b/);
    expect(servers.find((l) => l.startsWith('ci-runner-1 '))).toMatch(/ec2 ap-northeast-1 .* running\b/);
    // Its project and tags, as the Servers tab shows them, where there is room (a pipe: always).
    const wideServers = await infradeck(undefined, 'servers', '--no-probe');
    expect(wideServers[0]).toMatch(
      /^NAME\s+SOURCE\s+HOST\s+PORT\s+STATE\s+PROJECT\s+REACH\s+LATENCY\s+SSH\s+TAGS$/,
    );
    expect(wideServers.find((l) => l.startsWith('bastion-example '))).toMatch(
      / 2222 +web +- .* env=example$/,
    );
    // resources: every id, name, region and state whole; the detail is cut first.
    const piped = await infradeck(undefined, 'resources');
    for (const columns of [120, 200]) {
      const lines = await infradeck(columns, 'resources');
      expectFits(lines, columns);
      expect(lines).toHaveLength(piped.length);
      for (const [i, line] of piped.entries()) {
        const [type, id] = line.split(/\s+/);
        expect(lines[i].startsWith(`${type} `) && lines[i].includes(` ${id} `), `${columns}: ${id}`).toBe(
          true,
        );
      }
    }
  });

  it('jobs: at 80 columns the id, kind, status, progress, age and what the job does, as the Jobs tab shows them', async () => {
    const jobs = join(dir, 'data', 'jobs');
    mkdirSync(jobs, { recursive: true });
    const startedAt = Date.now() - 5 * 60_000;
    writeFileSync(
      join(jobs, '901.json'),
      JSON.stringify({
        v: 1,
        owner: { host: 'elsewhere', pid: 1 },
        view: {
          id: '901',
          kind: 'command',
          status: 'completed',
          step: 0,
          total: 0,
          attempts: 1,
          maxAttempts: 1,
          requestedBy: { user: 'schedule:nightly-report', host: 'jump1.example.internal' },
          createdAt: startedAt,
          startedAt,
          finishedAt: startedAt + 2_345,
          runs: [{ attempt: 1, startedAt, finishedAt: startedAt + 2_345, outcome: 'completed' }],
          payload: {
            program: 'echo',
            args: ['the nightly report of every region and every account we run'],
            shell: false,
          },
        },
      }),
    );
    for (const columns of [80, 120, 200]) {
      const lines = await infradeck(columns, 'jobs');
      expectFits(lines, columns);
      expect(
        lines.find((l) => l.startsWith('901 ')),
        `${columns}`,
      ).toMatch(/^901 +command +completed /);
    }
    expect((await infradeck(80, 'jobs'))[0]).toMatch(/^ID\s+KIND\s+STATUS\s+PROGRESS\s+AGE\s+WHAT$/);
    expect((await infradeck(200, 'jobs'))[0]).toMatch(
      /^ID\s+KIND\s+STATUS\s+PROGRESS\s+TRIES\s+BY\s+AGE\s+TOOK\s+WHAT$/,
    );
  });

  it('pipelines: a run of 567 s took 9m27s in the table, as the console says; --json keeps milliseconds', async () => {
    const listed = JSON.parse((await infradeck(undefined, 'pipelines', '--json')).join('\n'));
    const build = listed.pipelines.find((p: { name: string }) => p.name === 'build');
    const jobs = join(dir, 'data', 'jobs');
    mkdirSync(jobs, { recursive: true });
    const startedAt = Date.now() - 20 * 60_000;
    const finishedAt = startedAt + 567_000;
    writeFileSync(
      join(jobs, '900.json'),
      JSON.stringify({
        v: 1,
        owner: { host: 'elsewhere', pid: 1 },
        view: {
          id: '900',
          kind: 'pipeline',
          status: 'completed',
          step: 4,
          total: 4,
          attempts: 1,
          maxAttempts: 1,
          requestedBy: { user: 'ada', host: 'jump1' },
          createdAt: startedAt,
          startedAt,
          finishedAt,
          runs: [{ attempt: 1, startedAt, finishedAt, outcome: 'completed', worker: 'jump1:1' }],
          payload: { name: 'build', source: { file: build.file }, steps: [] },
        },
      }),
    );
    const table = await infradeck(80, 'pipelines');
    // The table's rows; a sentence under it says why a repository shows no runs.
    expectFits(table.slice(0, 1 + listed.pipelines.length), 80);
    expect(table.find((l) => l.startsWith('local '))).toMatch(/ build +.*\b900 +passed\b.* 9m27s$/);
    const json = JSON.parse((await infradeck(undefined, 'pipelines', '--json')).join('\n'));
    expect(json.pipelines.find((p: { name: string }) => p.name === 'build').lastRun).toMatchObject({
      run: '900',
      durationMs: 567_000,
    });
  });

  it('pipeline status: a passed step has an empty ERROR, not a "…" cut from blanks', async () => {
    const started = await infradeck(undefined, 'pipeline', 'run', 'build', '--wait', '--json');
    const run = JSON.parse(started.join('\n')).run as string;
    const table = await infradeck(80, 'pipeline', 'status', run);
    const steps = table.filter((l) => /^(host|list|count|check)\s/.test(l));
    expect(steps).toHaveLength(4);
    expectFits(table, 80);
    for (const line of steps) expect(line).toMatch(/ passed .* \S+\.(host|list|count|check)$/);
  });

  it("audit: a pipeline step's long job id stays whole at 80 columns; the host gives way", async () => {
    // A batch target's job id (`25.~98570225a11267d3`) is among the widest ids; the row fits without cutting it.
    const audit = join(dir, 'data', 'audit');
    mkdirSync(audit, { recursive: true });
    const at = Date.now();
    const entry = {
      id: `${at}-0`,
      at,
      who: { user: 'alice', host: 'jump-host-eu-1.example.com' },
      action: 'job.enqueue',
      jobId: '25.~98570225a11267d3',
      outcome: 'accepted',
      what: 'ssh web-1: systemctl restart nginx',
    };
    appendFileSync(join(audit, 'audit.jsonl'), `${JSON.stringify(entry)}\n`);
    const wide = await infradeck(undefined, 'audit', '--all', '--json');
    const listed = JSON.parse(wide.join('\n')).audit as Array<{ jobId?: string }>;
    expect(listed.some((e) => e.jobId === '25.~98570225a11267d3')).toBe(true);
    const table = await infradeck(80, 'audit', '--all');
    expectFits(table, 80);
    expect(table.find((l) => l.includes('25.~98570225a11267d3'))).toMatch(
      /alice\s+job\.enqueue\s+25\.~98570225a11267d3\s+accepted/,
    );
  });
});
