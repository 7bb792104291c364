import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobKinds } from '../../src/domain/job';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';
import { formatSourceError } from '../../src/domain/sourceError';

const file = 'data/schedules.yaml';
const parse = (text: string) => parseSchedulesFile(file, text, 'Europe/Lisbon');
const errorsOf = (text: string) => parse(text).errors.map(formatSourceError);

/** A file with a good schedule before and after the one under test, so "the others keep running" is checked too. */
function around(entry: string): string {
  return [
    'schedules:',
    '  - name: before',
    '    cron: "0 * * * *"',
    '    job: { run: [uptime] }',
    entry,
    '  - name: after',
    '    cron: "@daily"',
    '    job: { kind: scan }',
    '',
  ].join('\n');
}

describe('schedules.yaml', () => {
  it('reads the example workspace: four schedules, one disabled, defaults applied', () => {
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'data', 'schedules.yaml'), 'utf8');
    const parsed = parse(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.schedules.map((s) => [s.name, s.enabled])).toEqual([
      ['scan-europe', true],
      ['uptime', true],
      ['nightly-report', true],
      ['full-scan', false],
    ]);
    const [scan, uptime, nightly] = parsed.schedules;
    expect(scan.job).toEqual({
      kind: 'scan',
      payload: { regions: ['eu-central-1', 'eu-west-1'], buckets: false },
    });
    expect(uptime.job).toEqual({ kind: 'command', payload: { program: 'uptime', args: [], shell: false } });
    expect(uptime).toMatchObject({
      timezone: 'Europe/Lisbon',
      timezoneGiven: false,
      overlap: 'skip',
      catchUp: false,
    });
    expect(nightly).toMatchObject({ timezone: 'Europe/Berlin', catchUp: true });
  });

  it('an empty file, or one with only comments, schedules nothing and is fine', () => {
    expect(parse('')).toMatchObject({ schedules: [], errors: [], readable: true });
    expect(parse('# nothing yet\n')).toMatchObject({ schedules: [], errors: [], readable: true });
  });

  const bad: [string, string, string][] = [
    [
      'a step of 0',
      '    cron: "*/0 * * * *"',
      '6:11: schedules[1].cron: minute "*/0": a step (after /) must be 1 or more',
    ],
    ['7 fields', '    cron: "0 0 0 * * * 2030"', '6:11: schedules[1].cron: has 7 fields; expected 5'],
    ['a minute of 61', '    cron: "61 * * * *"', '6:11: schedules[1].cron: minute 61 is out of range (0-59)'],
    [
      'an unknown nickname',
      '    cron: "@reboot"',
      '6:11: schedules[1].cron: "@reboot" is not a nickname schedules know',
    ],
    ['a date that never comes', '    cron: "0 0 30 2 *"', '6:11: schedules[1].cron: never matches a date'],
    [
      'an unknown time zone',
      '    cron: "@hourly"\n    timezone: Europe/Berlinn',
      '7:15: schedules[1].timezone: "Europe/Berlinn" is not an IANA time zone (did you mean Europe/Berlin?)',
    ],
  ];
  for (const [what, lines, expected] of bad) {
    it(`${what} is an error at its place; the other schedules keep running`, () => {
      const text = around(`  - name: broken\n${lines}\n    job: { run: [date] }`);
      const parsed = parse(text);
      expect(errorsOf(text)).toEqual([expect.stringContaining(`${file}:${expected}`)]);
      expect(parsed.schedules.map((s) => s.name)).toEqual(['before', 'after']);
      expect(parsed.invalid).toEqual([expect.objectContaining({ index: 1, name: 'broken' })]);
    });
  }

  it('a job kind that does not exist is an error at `kind`, with a suggestion', () => {
    const text = around('  - name: broken\n    cron: "@hourly"\n    job:\n      kind: scna');
    expect(errorsOf(text)).toEqual([
      `${file}:8:13: schedules[1].job.kind: "scna" is not a job kind (did you mean scan? known: ${jobKinds.join(', ')})`,
    ]);
    expect(parse(text).schedules).toHaveLength(2);
  });

  it("an invalid payload is reported by the kind's own schema, where it is written", () => {
    const text = around(
      '  - name: broken\n    cron: "@hourly"\n    job:\n      kind: power\n      on: maybe\n      regoins: [eu-west-1]',
    );
    expect(errorsOf(text)).toEqual([
      `${file}:8:7: schedules[1].job.project: missing required key "project"`,
      `${file}:9:11: schedules[1].job.on: expected true or false, got "maybe"`,
      expect.stringMatching(
        new RegExp(
          `^${file}:10:7: schedules\\[1\\]\\.job\\.regoins: unknown key "regoins" for a power job \\(did you mean "regions"\\?`,
        ),
      ),
    ]);
  });

  it('a command in `run:` has its program and arguments checked in place', () => {
    const text = around('  - name: broken\n    cron: "@hourly"\n    job:\n      run: ["", 5]');
    expect(errorsOf(text)).toEqual([
      `${file}:8:13: schedules[1].job.run[0]: program is empty`,
      `${file}:8:17: schedules[1].job.run[1]: expected a string, got 5 (put it in quotes: "5")`,
    ]);
  });

  it('a job with neither run nor kind says what it needs', () => {
    const text = around('  - name: broken\n    cron: "@hourly"\n    job: { regions: [eu-west-1] }');
    expect(errorsOf(text)).toEqual([
      expect.stringContaining(`${file}:7:10: schedules[1].job: a job needs \`run: [program, args…]\``),
    ]);
  });

  it('a duplicate name is an error on the second; the first keeps running', () => {
    const text = around('  - name: before\n    cron: "@hourly"\n    job: { run: [date] }');
    expect(errorsOf(text)).toEqual([
      `${file}:5:11: schedules[1].name: "before" is already the name of schedules[0]; names must be unique`,
    ]);
    const parsed = parse(text);
    expect(parsed.schedules.map((s) => s.name)).toEqual(['before', 'after']);
    expect(parsed.schedules[0].job.kind).toBe('command');
  });

  it('unknown keys and bad values of a schedule are located', () => {
    const text = around(
      '  - name: broken\n    cron: "@hourly"\n    overlap: wait\n    catchup: true\n    job: { run: [date] }',
    );
    expect(errorsOf(text)).toEqual([
      `${file}:7:14: schedules[1].overlap: expected one of "skip", "queue", got "wait"`,
      `${file}:8:5: schedules[1].catchup: unknown key "catchup" (did you mean "catchUp"? allowed: name, cron, timezone, job, enabled, overlap, catchUp)`,
    ]);
  });

  it('a file that is not YAML runs nothing and says where it breaks', () => {
    const parsed = parse('schedules:\n  - name: a\n    cron: "@hourly\n    job: { run: [date] }\n');
    expect(parsed.readable).toBe(false);
    expect(parsed.schedules).toEqual([]);
    expect(parsed.errors[0]).toMatchObject({ file, line: expect.any(Number), column: expect.any(Number) });
    expect(parsed.errors[0].line).toBeGreaterThan(0);
  });

  it('a file whose top level is not a schedules list runs nothing', () => {
    const parsed = parse('- name: a\n  cron: "@hourly"\n');
    expect(parsed.readable).toBe(false);
    expect(parsed.errors.map(formatSourceError)).toEqual([
      `${file}:1:1: expected a map (key: value), got a list`,
    ]);
  });
});
