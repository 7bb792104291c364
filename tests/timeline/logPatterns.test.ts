import { describe, expect, it } from 'vitest';
import { LogPatternMiner, logPatterns, maskLine, patternShift } from '../../src/domain/logPatterns';
import { jobOutput, nginxAccess, nginxUpstreamErrors, nodeStackTrace, systemd } from './fixtures/realLogs';

const masked = (line: string) => maskLine(line).join(' ');

describe('masking a line', () => {
  it('folds times, addresses, ids, hashes and numbers into placeholders', () => {
    expect(masked('2024-06-12T10:04:05.123Z GET /api took 12ms from 10.0.3.17:51234')).toBe(
      '<TS> GET /api took <NUM> from <IP>',
    );
    expect(masked('2024/06/12 10:31:05 [error] 31#31: *4001 connect() failed')).toBe(
      '<TS> [error] <NUM>#<NUM>: *<NUM> connect() failed',
    );
    expect(
      masked(
        'job 3f2c1b9e-8a7d-4c6b-9e5f-0a1b2c3d4e5f at commit 9fceb02 on i-0abc1234def from fe80::1ff:fe23:4567:890a',
      ),
    ).toBe('job <UUID> at commit <HEX> on i-<HEX> from <IP>');
    expect(masked('request req_8f3kz9q2 retried 3 times (80% cpu)')).toBe(
      'request <ID> retried <NUM> times (<NUM> cpu)',
    );
    // words stay words: a version-less name, a unit, an HTTP verb
    expect(masked('Started nginx.service')).toBe('Started nginx.service');
  });

  it('keeps escape sequences and controls out of templates', () => {
    const [template] = logPatterns(['\u001b[31mERROR\u001b[0m disk full on /dev/sda1\u0007']);
    expect(template.template).toBe('ERROR disk full on /dev/sda1'); // a digit inside a word is part of it
    expect(template.example).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('templates of real-looking logs', () => {
  it('finds one template per kind of line, with counts', () => {
    const lines = [
      ...nginxAccess(50),
      ...nginxUpstreamErrors(20),
      ...systemd(20),
      ...nodeStackTrace('a1b2c3d4'),
      ...nodeStackTrace('ff00aa11bb'),
      ...jobOutput(30),
    ];
    const templates = logPatterns(lines, 50);
    const byTemplate = new Map(templates.map((t) => [t.template, t.counts[0]]));
    expect(byTemplate.get('<IP> - - [<TS>] "GET <*> HTTP/<NUM>" <NUM> <NUM> "-" "curl/<NUM>"')).toBe(50);
    expect(
      [...byTemplate].find(([t]) => t.startsWith('<TS> [error] <NUM>#<NUM>: *<NUM> connect() failed'))?.[1],
    ).toBe(20);
    expect(byTemplate.get('<TS> web-<NUM> systemd[<NUM>]: Started nginx.service.')).toBe(10);
    expect(byTemplate.get('at Pool.connect (/srv/app/node_modules/pg-pool/index.js:<NUM>:<NUM>)')).toBe(2);
    expect(byTemplate.get('Error: ECONNREFUSED <IP> request=<HEX>')).toBe(2);
    expect(byTemplate.get('took <NUM> for job <UUID> on i-<HEX>')).toBe(10);
    expect(byTemplate.get('<TS> INFO deploy step <NUM> of <NUM> done')).toBe(10);
    expect(templates.reduce((s, t) => s + t.counts[0], 0)).toBe(lines.length);
    expect(templates.length).toBeLessThanOrEqual(13);
  });

  it('never merges lines that differ only in words (Started / Stopped)', () => {
    const templates = logPatterns([...systemd(4), ...systemd(4, 'Stopped')]).map((t) => t.template);
    expect(templates).toContain('<TS> web-<NUM> systemd[<NUM>]: Started nginx.service.');
    expect(templates).toContain('<TS> web-<NUM> systemd[<NUM>]: Stopped nginx.service.');
  });

  it('stays bounded on a flood of distinct lines', () => {
    const miner = new LogPatternMiner(1, { maxTemplates: 50 });
    for (let i = 0; i < 5000; i++)
      miner.add(`word${String.fromCharCode(97 + (i % 26))}${i % 7} only ${'x'.repeat(i % 40)}`);
    expect(miner.templates().length).toBeLessThanOrEqual(50);
    expect(miner.templates().reduce((s, t) => s + t.counts[0], 0) + miner.unmatched).toBe(5000);
  });
});

describe('the pattern shift between two windows', () => {
  it('shows what appeared, what vanished and what grew', () => {
    const before = [...nginxAccess(200), ...systemd(20), ...jobOutput(30)];
    const after = [
      ...nginxAccess(100, (i) => (i % 2 === 0 ? 502 : 200)),
      ...nginxUpstreamErrors(80),
      ...nodeStackTrace('a1b2c3d4'),
      ...systemd(10, 'Stopped'),
    ];
    const shift = patternShift(before, after, 5);
    expect(shift.lines).toEqual({ before: before.length, after: after.length });
    expect(shift.top[0]).toMatchObject({ before: 200, after: 100, change: 'fewer' });
    const appeared = shift.appeared.map((r) => r.template);
    expect(appeared[0]).toMatch(/^<TS> \[error\] .*connect\(\) failed/);
    expect(shift.appeared[0].after).toBe(80);
    expect(appeared).toContain('<TS> web-<NUM> systemd[<NUM>]: Stopped nginx.service.');
    const vanished = shift.vanished.map((r) => r.template);
    expect(vanished).toContain('<TS> web-<NUM> systemd[<NUM>]: Started nginx.service.');
    expect(vanished).toContain('<TS> INFO deploy step <NUM> of <NUM> done');
    expect(shift.vanished.every((r) => r.after === 0 && r.before > 0)).toBe(true);
  });

  it('compares empty windows without dividing by zero', () => {
    const shift = patternShift([], ['only after 1'], 5);
    expect(shift.appeared).toHaveLength(1);
    expect(patternShift([], [], 5)).toMatchObject({ top: [], appeared: [], vanished: [], templates: 0 });
  });
});
