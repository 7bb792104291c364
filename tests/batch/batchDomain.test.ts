import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adHocBatch, type BatchAction, readTagText, targetWords } from '../../src/domain/batch';
import { readDuration, readPause } from '../../src/domain/batchDuration';
import { readPlainHost } from '../../src/domain/batchHost';
import { readSerialText } from '../../src/domain/batchSerial';
import { batchNameOfFile, parseBatchFile } from '../../src/domain/batchSource';
import { jobKinds } from '../../src/domain/job';
import { formatSourceError } from '../../src/domain/sourceError';

const file = 'data/batches/web.yaml';
const errorsOf = (text: string, name = file) => {
  const parsed = parseBatchFile(name, text);
  return parsed.ok ? [] : parsed.errors.map(formatSourceError);
};

/** A valid batch file with one line replaced or added, so each case shows only its own problem. */
function batchWith(lines: Record<string, string>): string {
  const base: Record<string, string> = {
    targets: 'targets:\n  servers: [web-1, web-2]',
    action: 'action:\n  ssh: [systemctl, restart, nginx]',
    serial: 'serial: 1',
  };
  return `${Object.values({ ...base, ...lines })
    .filter((l) => l !== '')
    .join('\n')}\n`;
}

// Kinds come and go with the registry; a batch's own kinds are never run per target.
const perTargetKinds = jobKinds.filter((k) => !k.startsWith('batch')).join(', ');

const dataFile = (name: string) => join(import.meta.dirname, '..', '..', 'data', 'batches', name);

describe('batch files', () => {
  it('reads the example restart-web: two selectors, an ssh action, one host per wave, a pause', () => {
    const parsed = parseBatchFile(
      'data/batches/restart-web.yaml',
      readFileSync(dataFile('restart-web.yaml'), 'utf8'),
    );
    if (!parsed.ok) throw new Error(parsed.errors.map(formatSourceError).join('\n'));
    expect(parsed.batch).toEqual({
      name: 'restart-web',
      targets: [{ servers: ['localhost'] }, { project: 'web' }],
      action: { type: 'ssh', program: 'sudo', args: ['-n', 'systemctl', 'restart', 'nginx'] },
      serial: [{ count: 1 }],
      maxFailPercentage: 0,
      pause: { ms: 30_000 },
      timeoutMs: 120_000,
    });
  });

  it('reads the example versions: a local action, half the targets per wave, no pause', () => {
    const parsed = parseBatchFile(
      'data/batches/versions.yaml',
      readFileSync(dataFile('versions.yaml'), 'utf8'),
    );
    if (!parsed.ok) throw new Error(parsed.errors.map(formatSourceError).join('\n'));
    expect(parsed.batch).toMatchObject({
      name: 'versions',
      targets: [{ servers: ['localhost', 'bastion-example'] }],
      action: { type: 'local', program: 'sh' },
      serial: [{ percent: 50 }],
      maxFailPercentage: 50,
      timeoutMs: 30_000,
    });
    expect(parsed.batch.pause).toBeUndefined();
  });

  it('applies the defaults: all targets in one wave, any failure stops, no pause, 10 minutes per target', () => {
    const parsed = parseBatchFile(file, batchWith({ serial: '' }));
    expect(parsed.ok && parsed.batch).toEqual({
      name: 'web',
      targets: [{ servers: ['web-1', 'web-2'] }],
      action: { type: 'ssh', program: 'systemctl', args: ['restart', 'nginx'] },
      serial: [],
      maxFailPercentage: 0,
      timeoutMs: 600_000,
    });
  });

  it('takes name: over the file name, and every form of the values', () => {
    const parsed = parseBatchFile(
      file,
      batchWith({
        name: 'name: canary',
        targets: [
          'targets:',
          '  - servers: [web-1]',
          '  - hosts: [10.0.0.7, ops@10.0.0.8:2222, "[::1]:2200"]',
          '  - { project: shop, tags: { role: web }, from: ec2 }',
        ].join('\n'),
        action: 'action:\n  job: { kind: scan, regions: [eu-west-1] }',
        serial: 'serial: [1, 10%, "50%", "3"]',
        more: 'maxFailPercentage: "20%"\npause: manual\ntimeout: 1m30s',
      }),
    );
    if (!parsed.ok) throw new Error(parsed.errors.map(formatSourceError).join('\n'));
    expect(parsed.batch).toEqual({
      name: 'canary',
      targets: [
        { servers: ['web-1'] },
        {
          hosts: [
            { host: '10.0.0.7' },
            { host: '10.0.0.8', port: 2222, user: 'ops' },
            { host: '::1', port: 2200 },
          ],
        },
        { project: 'shop', tags: { role: 'web' }, from: 'ec2' },
      ],
      action: { type: 'job', job: { kind: 'scan', payload: { regions: ['eu-west-1'], buckets: true } } },
      serial: [{ count: 1 }, { percent: 10 }, { percent: 50 }, { count: 3 }],
      maxFailPercentage: 20,
      pause: { manual: true },
      timeoutMs: 90_000,
    });
  });

  it('a batch file name is the file name without .yaml or .yml', () => {
    expect(batchNameOfFile('data/batches/restart-web.yaml')).toBe('restart-web');
    expect(batchNameOfFile('C:\\ws\\batches\\Versions.YML')).toBe('Versions');
  });

  // Each bad input: its exact message, where it is written (line:col) and its path.
  const bad: [string, Record<string, string>, string[]][] = [
    ['serial: 0', { serial: 'serial: 0' }, ['5:9: serial: must be at least 1, got 0']],
    ['a negative serial', { serial: 'serial: -2' }, ['5:9: serial: must be at least 1, got -2']],
    ['serial 150%', { serial: 'serial: 150%' }, ['5:9: serial: must be at most 100%, got "150%"']],
    ['serial 0%', { serial: 'serial: "0%"' }, ['5:9: serial: a percentage must be more than 0%, got "0%"']],
    [
      'a negative percentage in a list',
      { serial: 'serial: [1, "-10%"]' },
      ['5:13: serial[1]: a percentage must be more than 0%, got "-10%"'],
    ],
    [
      'a decimal percentage',
      { serial: 'serial: 12.5%' },
      ['5:9: serial: a percentage is a whole number, got "12.5%"'],
    ],
    [
      'a fraction of a target',
      { serial: 'serial: 2.5' },
      ['5:9: serial: must be a whole number of targets, got 2.5'],
    ],
    ['an empty serial list', { serial: 'serial: []' }, ['5:9: serial: must list at least one size']],
    [
      'a word for serial',
      { serial: 'serial: half' },
      ['5:9: serial: expected a number of targets (like 3) or a percentage of them (like "25%"), got "half"'],
    ],
    [
      'an empty server list',
      { targets: 'targets:\n  servers: []' },
      ['2:12: targets.servers: must name at least one server'],
    ],
    [
      'an empty target list',
      { targets: 'targets: []' },
      ['1:10: targets: must list at least one selector (servers:, hosts:, project: or tags:)'],
    ],
    [
      'a selector that selects nothing',
      { targets: 'targets:\n  from: ec2' },
      ['2:3: targets: a target selector needs servers:, hosts:, project: or tags:'],
    ],
    [
      'from: beside a list of servers',
      { targets: 'targets:\n  servers: [web-1]\n  from: ec2' },
      ['3:9: targets.from: `from:` narrows project: and tags: only; give one of them'],
    ],
    [
      'an unknown from:',
      { targets: 'targets:\n  project: web\n  from: aws' },
      ['3:9: targets.from: expected one of "servers", "ec2", got "aws"'],
    ],
    [
      'no tags',
      { targets: 'targets:\n  tags: {}' },
      ['2:9: targets.tags: must name at least one tag (key: value)'],
    ],
    [
      'a tag value that is a number',
      { targets: 'targets:\n  tags: { release: 2 }' },
      ['2:20: targets.tags.release: expected a string, got 2 (put it in quotes: "2")'],
    ],
    [
      'a misspelt selector key',
      { targets: 'targets:\n  servrs: [web-1]' },
      [
        '2:3: targets.servrs: unknown key "servrs" for a target selector (did you mean "servers"? allowed: servers, hosts, project, tags, from)',
      ],
    ],
    [
      'a misspelt key in a list of selectors',
      { targets: 'targets:\n  - servers: [web-1]\n  - tag: { role: web }' },
      [
        '3:5: targets[1].tag: unknown key "tag" for a target selector (did you mean "tags"? allowed: servers, hosts, project, tags, from)',
      ],
    ],
    [
      'a selector that is a word',
      { targets: 'targets: web-1' },
      ['1:10: targets: expected a map or a list of maps of servers:, hosts:, project: or tags:'],
    ],
    [
      'an address ssh would read as an option',
      { targets: 'targets:\n  hosts: ["-oProxyCommand=x"]' },
      ['2:11: targets.hosts[0]: "-oProxyCommand=x" is not a host name or address ([user@]host[:port])'],
    ],
    [
      'a port out of range',
      { targets: 'targets:\n  hosts: ["web:99999"]' },
      ['2:11: targets.hosts[0]: "99999" in "web:99999" is not a port (1-65535)'],
    ],
    ['no targets', { targets: '' }, ['1:1: targets: missing required key "targets"']],
    ['no action', { action: '' }, ['1:1: action: missing required key "action"']],
    [
      'an action with no command',
      { action: 'action: {}' },
      [
        '3:9: action: an action is one of ssh: [program, args…], local: [program, args…] or job: { kind: …, … }',
      ],
    ],
    [
      'two actions',
      { action: 'action:\n  ssh: [uptime]\n  local: [uptime]' },
      ['5:10: action.local: an action is one of ssh:, local: or job:, not both ssh: and local:'],
    ],
    [
      'a misspelt action',
      { action: 'action:\n  shh: [uptime]' },
      ['4:3: action.shh: unknown key "shh" for an action (did you mean "ssh"? allowed: ssh, local, job)'],
    ],
    [
      'a command that is one string',
      { action: 'action:\n  ssh: systemctl restart nginx' },
      ['4:8: action.ssh: expected a list: [program, args…] (e.g. [systemctl, restart, nginx])'],
    ],
    [
      'an empty command',
      { action: 'action:\n  local: []' },
      ['4:10: action.local: expected a list: [program, args…] (e.g. [kubectl, --context, prod, get, pods])'],
    ],
    [
      'a number as an argument',
      { action: 'action:\n  ssh: [sleep, 30]' },
      ['4:16: action.ssh[1]: expected a string, got 30 (put it in quotes: "30")'],
    ],
    ['an empty program', { action: 'action:\n  ssh: [""]' }, ['4:9: action.ssh[0]: the program is empty']],
    [
      'an unknown job kind',
      { action: 'action:\n  job: { kind: sacn }' },
      [`4:16: action.job.kind: "sacn" is not a job kind (did you mean scan? known: ${perTargetKinds})`],
    ],
    [
      'a batch as the job of a batch',
      { action: 'action:\n  job: { kind: batch }' },
      [`4:16: action.job.kind: a batch cannot run "batch" jobs (known: ${perTargetKinds})`],
    ],
    [
      'a job without a kind',
      { action: 'action:\n  job: { regions: [eu-west-1] }' },
      [`4:8: action.job: a job needs \`kind:\` (one of ${perTargetKinds})`],
    ],
    [
      'a misspelt payload field',
      { action: 'action:\n  job: { kind: scan, region: [eu-west-1] }' },
      [
        '4:22: action.job.region: unknown key "region" for a scan job (did you mean "regions"? allowed: regions, buckets, account)',
      ],
    ],
    [
      "a payload value its kind's schema refuses",
      { action: 'action:\n  job: { kind: command, program: "" }' },
      ['4:34: action.job.program: program is empty'],
    ],
    [
      'maxFailPercentage over 100',
      { more: 'maxFailPercentage: 150' },
      ['6:20: maxFailPercentage: must be at most 100, got 150'],
    ],
    [
      'a negative maxFailPercentage',
      { more: 'maxFailPercentage: -5' },
      ['6:20: maxFailPercentage: must be at least 0, got -5'],
    ],
    [
      'a misspelt top-level key',
      { more: 'max_fail_percentage: 10' },
      [
        '6:1: max_fail_percentage: unknown key "max_fail_percentage" (did you mean "maxFailPercentage"? allowed: name, targets, action, serial, maxFailPercentage, pause, timeout)',
      ],
    ],
    [
      'a pause in no unit',
      { more: 'pause: 5x' },
      ['6:8: pause: expected a duration like 30s, 2m or 1h30m, or a number of seconds, or manual, got "5x"'],
    ],
    ['a pause of two days', { more: 'pause: 48h' }, ['6:8: pause: must be at most 24h, got "48h"']],
    ['a timeout of 0', { more: 'timeout: 0' }, ['6:10: timeout: must be at least 1s, got 0']],
    [
      'a timeout of manual',
      { more: 'timeout: manual' },
      ['6:10: timeout: expected a duration like 30s, 2m or 1h30m, or a number of seconds, got "manual"'],
    ],
    [
      'a name with a space',
      { name: 'name: "web restart"' },
      ['6:7: name: a batch name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'],
    ],
  ];
  for (const [what, lines, expected] of bad) {
    it(`${what} is an error at its place`, () => {
      expect(errorsOf(batchWith(lines)).map((e) => e.replace(`${file}:`, ''))).toEqual(expected);
    });
  }

  it('a syntax error, an empty file and a list at the top are errors with a position', () => {
    expect(errorsOf('targets: [\n')).toEqual([
      `${file}:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
    expect(errorsOf('')).toEqual([`${file}:1:1: the file is empty; expected a map (key: value)`]);
    expect(errorsOf('- web-1\n')).toEqual([`${file}:1:1: expected a map (key: value), got a list`]);
  });

  it('a file whose name is not a batch name needs name:', () => {
    const text = batchWith({});
    expect(errorsOf(text, 'batches/web restart.yaml')).toEqual([
      'batches/web restart.yaml:1:1: no `name:`, and the file\'s name "web restart" is not one (a batch name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit)',
    ]);
    expect(parseBatchFile('batches/web restart.yaml', `name: web-restart\n${text}`)).toMatchObject({
      ok: true,
      batch: { name: 'web-restart' },
    });
  });

  it('locates a problem found when resolving the targets, in either form of targets:', () => {
    const one = parseBatchFile(file, batchWith({}));
    const list = parseBatchFile(
      file,
      batchWith({ targets: 'targets:\n  - project: web\n  - servers: [web-1, web-3]' }),
    );
    if (!one.ok || !list.ok) throw new Error('expected valid files');
    const problem = { selector: 0, path: ['servers', 1], message: 'no server "web-2" in servers.yaml' };
    expect(formatSourceError(one.targetErrorAt(problem))).toBe(
      `${file}:2:20: targets.servers[1]: no server "web-2" in servers.yaml`,
    );
    expect(formatSourceError(list.targetErrorAt({ ...problem, selector: 1 }))).toBe(
      `${file}:3:22: targets[1].servers[1]: no server "web-2" in servers.yaml`,
    );
  });
});

describe('ad-hoc batches (the CLI flags, the tab form)', () => {
  const targets = [{ names: ['web-1', 'web-2'] }];
  const action: BatchAction = { type: 'ssh', program: 'uptime', args: [] };

  it('reads serial, max fail %, pause and timeout as typed', () => {
    expect(
      adHocBatch({
        targets,
        action,
        serial: '1,10%,50%',
        maxFailPercentage: '25',
        pause: 'manual',
        timeout: '90',
      }),
    ).toEqual({
      ok: true,
      batch: {
        name: 'ad-hoc',
        targets,
        action,
        serial: [{ count: 1 }, { percent: 10 }, { percent: 50 }],
        maxFailPercentage: 25,
        pause: { manual: true },
        timeoutMs: 90_000,
      },
    });
  });

  it('names each field that is wrong', () => {
    expect(
      adHocBatch({
        targets: [],
        action: { ...action, program: ' ' },
        serial: '0',
        maxFailPercentage: '101',
        pause: 'soon',
      }),
    ).toEqual({
      ok: false,
      errors: [
        { field: 'targets', message: 'no targets given' },
        { field: 'command', message: 'the program is empty' },
        { field: 'serial', message: 'must be at least 1, got "0"' },
        { field: 'maxFailPercentage', message: 'must be at most 100, got "101"' },
        {
          field: 'pause',
          message: 'expected a duration like 30s, 2m or 1h30m, or a number of seconds, or manual, got "soon"',
        },
      ],
    });
    expect(readSerialText('1,150%')).toEqual({
      ok: false,
      message: '"150%": must be at most 100%, got "150%"',
    });
  });

  it('reads --tag, --targets words, addresses and durations', () => {
    expect(readTagText('role=web')).toEqual({ ok: true, value: { role: 'web' } });
    expect(readTagText('a=b=c')).toEqual({ ok: true, value: { a: 'b=c' } });
    expect(readTagText('role')).toEqual({
      ok: false,
      message: 'expected key=value (like role=web), got "role"',
    });
    expect(targetWords(' web-1, web-2  10.0.0.5,')).toEqual(['web-1', 'web-2', '10.0.0.5']);
    expect(readPlainHost('ops@[::1]:2222')).toEqual({
      ok: true,
      value: { host: '::1', port: 2222, user: 'ops' },
    });
    expect(readPlainHost('fe80::1')).toEqual({ ok: true, value: { host: 'fe80::1' } });
    expect(readPlainHost('-l@x').ok).toBe(false);
    expect(readDuration('1h30m')).toEqual({ ok: true, value: 5_400_000 });
    expect(readDuration('500ms')).toEqual({ ok: true, value: 500 });
    expect(readDuration(-1)).toEqual({ ok: false, message: 'must not be negative, got -1' });
    expect(readPause(0)).toEqual({ ok: true, value: undefined });
  });
});
