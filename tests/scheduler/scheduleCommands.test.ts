import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandEnv, runCommand } from '../harness/headless';

const example = join(import.meta.dirname, '..', '..', 'data', 'schedules.yaml');

let dir: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-schedule-cli-'));
  dataDir = join(dir, 'data');
  cpSync(example, join(dataDir, 'schedules.yaml'));
  // No Redis, no developer config: the in-process transport on this workspace.
  env = commandEnv(dir, { TZ: 'UTC' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const infradeck = (...argv: string[]) => runCommand(dataDir, env, argv);

const schedulesFile = () => join(dataDir, 'schedules.yaml');

/** The workspace's audit trail (no Redis): the schedule entries, as [action, outcome, user, reason]. */
const scheduleAudit = () =>
  readFileSync(join(dataDir, 'audit', 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((e) => e.action.startsWith('schedule.'))
    .map((e) => [e.action, e.outcome, e.who.user, e.reason]);

describe('infradeck schedules', () => {
  it('lists every schedule with its reading, zone and next runs; a paused one says so', async () => {
    const r = await infradeck('schedules');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CRON\s+WHEN\s+ZONE\s+NEXT\s+LAST\s+JOB$/);
    expect(r.stdout).toMatch(
      /scan-europe\s+\*\/15 \* \* \* \*\s+Every 15 minutes\s+Europe\/Berlin\s+\d{4}-\d\d-\d\d \d\d:(00|15|30|45), /,
    );
    expect(r.stdout).toMatch(/full-scan\s+0 6 \* \* 1\s+At 06:00, only on Monday\s+UTC\s+paused/);
    expect(r.stdout).toMatch(/uptime\s+@hourly\s+Every hour\s+UTC\s+/);
  });

  it('--json lists the valid schedules and every error with its position, and exits 2 when there are errors', async () => {
    const text = readFileSync(schedulesFile(), 'utf8').replace('cron: "30 2 * * *"', 'cron: "61 2 * * *"');
    writeFileSync(schedulesFile(), text);
    const line = text.split('\n').findIndex((l) => l.includes('61 2 * * *')) + 1;
    const r = await infradeck('schedules', '--json');
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.schedules.map((s: { name: string }) => s.name)).toEqual([
      'scan-europe',
      'uptime',
      'full-scan',
    ]);
    expect(out.schedules[0]).toMatchObject({
      cron: '*/15 * * * *',
      description: 'Every 15 minutes',
      timezone: 'Europe/Berlin',
      enabled: true,
      overlap: 'skip',
      job: { kind: 'scan', summary: 'scan eu-central-1, eu-west-1 (no buckets)' },
    });
    expect(out.schedules[0].next).toHaveLength(3);
    // Located, as every command's --json gives its errors.
    expect(out.errors).toEqual([
      {
        file: schedulesFile(),
        line,
        column: 11,
        path: 'schedules[2].cron',
        message: 'minute 61 is out of range (0-59)',
        text: `${schedulesFile()}:${line}:11: schedules[2].cron: minute 61 is out of range (0-59)`,
      },
    ]);
    expect(out.invalid).toEqual([{ index: 2, name: 'nightly-report', errors: out.errors }]);
  });

  it('a file that is not YAML: exit 2, the error with its position, nothing listed', async () => {
    writeFileSync(schedulesFile(), 'schedules:\n  - name: [oops\n');
    const r = await infradeck('schedules', '--json');
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.schedules).toEqual([]);
    expect(out.errors[0]).toMatchObject({ file: schedulesFile(), line: expect.any(Number), path: '' });
    expect(out.errors[0].text).toMatch(new RegExp(`^${schedulesFile()}:\\d+:\\d+: `));
  });
});

describe('infradeck schedule', () => {
  it("next NAME lists the next runs in the schedule's zone; --count and --json", async () => {
    const r = await infradeck('schedule', 'next', 'nightly-report', '--count', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^nightly-report: 30 2 \* \* \* · At 02:30 · Europe\/Berlin\n/);
    expect(r.stdout.trim().split('\n').slice(1)).toHaveLength(3);
    for (const line of r.stdout.trim().split('\n').slice(1))
      expect(line).toMatch(/^ {2}\d{4}-\d\d-\d\d 02:30 {2}\d{4}-/);
    const j = JSON.parse((await infradeck('schedule', 'next', 'uptime', '--count', '2', '--json')).stdout);
    expect(j.next).toHaveLength(2);
    expect(Date.parse(j.next[1]) - Date.parse(j.next[0])).toBe(3_600_000);
  });

  it('an unknown schedule is bad input (exit 2) naming the ones there are', async () => {
    const r = await infradeck('schedule', 'next', 'nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no schedule "nope"');
    expect(r.stderr).toContain('scan-europe, uptime, nightly-report, full-scan');
    expect((await infradeck('schedule', 'frob', 'uptime')).code).toBe(2);
    expect((await infradeck('schedule', 'run', 'uptime', '--count', '2')).code).toBe(2);
  });

  it('disable then enable rewrites only the enabled line: comments, order and everything else kept', async () => {
    const before = readFileSync(schedulesFile(), 'utf8');
    const off = await infradeck('schedule', 'disable', 'scan-europe');
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('scan-europe disabled in');
    const disabled = readFileSync(schedulesFile(), 'utf8');
    // One line more, right after the name; every other line as it was.
    expect(disabled.split('\n')).toEqual(
      before.split('\n').flatMap((l) => (l === '  - name: scan-europe' ? [l, '    enabled: false'] : [l])),
    );
    expect(JSON.parse((await infradeck('schedules', '--json')).stdout).schedules[0].enabled).toBe(false);

    expect((await infradeck('schedule', 'enable', 'scan-europe')).code).toBe(0);
    const enabled = readFileSync(schedulesFile(), 'utf8');
    expect(enabled).toBe(disabled.replace('    enabled: false', '    enabled: true'));

    // A schedule with `enabled:` written: the value is replaced in place, comment after it kept.
    expect((await infradeck('schedule', 'enable', 'full-scan')).code).toBe(0);
    expect(readFileSync(schedulesFile(), 'utf8')).toBe(
      enabled.replace('    enabled: false\n', '    enabled: true\n'),
    );
    expect(readFileSync(schedulesFile(), 'utf8')).toContain(
      '# Paused: `infradeck schedule enable full-scan`',
    );

    const again = await infradeck('schedule', 'enable', 'full-scan');
    expect(again.stdout).toContain('was already enabled');
  });

  it('a schedule written as a flow map keeps the comments around it', async () => {
    writeFileSync(
      schedulesFile(),
      '# top\nschedules:\n  # the one\n  - { name: tiny, cron: "@daily", job: { run: [date] } } # inline\n',
    );
    expect((await infradeck('schedule', 'disable', 'tiny')).code).toBe(0);
    const text = readFileSync(schedulesFile(), 'utf8');
    expect(text).toContain('# top');
    expect(text).toContain('# the one');
    expect(text).toContain('# inline');
    expect(JSON.parse((await infradeck('schedules', '--json')).stdout).schedules[0].enabled).toBe(false);
  });

  it('read-only mode refuses enable and disable; the file is untouched', async () => {
    const before = readFileSync(schedulesFile(), 'utf8');
    const r = await infradeck('--readonly', 'schedule', 'disable', 'uptime');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('read-only mode');
    expect(readFileSync(schedulesFile(), 'utf8')).toBe(before);
    expect(scheduleAudit()).toEqual([['schedule.disable', 'rejected', 'ada', 'read-only mode']]);
  });

  it('every change to schedules.yaml is in the audit trail, with who asked; one that changes nothing is not', async () => {
    expect((await infradeck('schedule', 'disable', 'uptime')).code).toBe(0);
    expect((await infradeck('schedule', 'disable', 'uptime')).code).toBe(0);
    expect((await infradeck('schedule', 'enable', 'uptime')).code).toBe(0);
    expect(scheduleAudit()).toEqual([
      ['schedule.disable', 'accepted', 'ada', undefined],
      ['schedule.enable', 'accepted', 'ada', undefined],
    ]);
  });

  it('a schedule with errors is not enabled, disabled or run; nothing in the file is rewritten', async () => {
    const broken = readFileSync(schedulesFile(), 'utf8').replace('cron: "@hourly"', 'cron: "*/0 * * * *"');
    writeFileSync(schedulesFile(), broken);
    const off = await infradeck('schedule', 'disable', 'uptime');
    expect(off.code).toBe(1);
    expect(off.stderr).toContain('has errors');
    const run = await infradeck('schedule', 'run', 'uptime');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('schedules[1].cron: minute "*/0": a step (after /) must be 1 or more');
    expect(readFileSync(schedulesFile(), 'utf8')).toBe(broken);
  });

  it("run NAME runs the schedule's job now, in this process without Redis, as a run of that schedule", async () => {
    writeFileSync(
      schedulesFile(),
      'schedules:\n  - name: hello\n    cron: "@yearly"\n    job: { run: [echo, hello from a schedule] }\n',
    );
    const r = await infradeck('schedule', 'run', 'hello', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.job.status).toBe('completed');
    expect(out.result).toMatchObject({ exitCode: 0, lines: 1 });
    expect(out.schedule).toEqual({ name: 'hello', tick: expect.any(Number) });
    const shown = await infradeck('schedule', 'run', 'hello');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe('hello from a schedule\n');
    expect(shown.stderr).toMatch(/job \S+ completed \(run of hello\)/);
    // Read-only refuses a command run (nobody can tell what a program changes).
    const refused = await infradeck('--readonly', 'schedule', 'run', 'hello');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused');
  });
});
