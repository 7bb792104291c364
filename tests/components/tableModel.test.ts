import { describe, expect, it } from 'vitest';
import { type Column, filterRows, scrollWindow, sortRows } from '../../src/components/tableModel';

interface Server {
  id: string;
  name: string;
  region: string;
  cpu: number;
}

const servers: Server[] = [
  { id: 'i-1', name: 'web-10', region: 'eu-west-1', cpu: 40 },
  { id: 'i-2', name: 'web-9', region: 'us-east-1', cpu: 5 },
  { id: 'i-3', name: 'db-1', region: 'eu-west-1', cpu: 40 },
  { id: 'i-4', name: 'cache', region: 'us-east-1', cpu: 90 },
  { id: 'i-5', name: 'Batch', region: 'eu-west-1', cpu: 40 },
];

const columns: Column<Server>[] = [
  { key: 'name', title: 'NAME', priority: 100, flex: true, value: (s) => s.name },
  { key: 'region', title: 'REGION', priority: 100, value: (s) => s.region },
  {
    key: 'cpu',
    title: 'CPU',
    priority: 50,
    width: 5,
    align: 'right',
    value: (s) => `${s.cpu}%`,
    sortValue: (s) => s.cpu,
  },
];

const ids = (rows: readonly Server[]) => rows.map((r) => r.id);

describe('filterRows', () => {
  it('matches the filter against all column values', () => {
    expect(ids(filterRows(servers, 'WEB', columns))).toEqual(['i-1', 'i-2']);
    expect(ids(filterRows(servers, 'us-east', columns))).toEqual(['i-2', 'i-4']);
    expect(ids(filterRows(servers, '90%', columns))).toEqual(['i-4']);
    expect(ids(filterRows(servers, 're:^(db|cache) ', columns))).toEqual(['i-3', 'i-4']);
    expect(ids(filterRows(servers, '!eu-west', columns))).toEqual(['i-2', 'i-4']);
  });

  it('returns the rows untouched for an empty or invalid filter', () => {
    expect(filterRows(servers, '', columns)).toBe(servers);
    expect(filterRows(servers, 're:(', columns)).toBe(servers);
  });
});

describe('sortRows', () => {
  it('sorts by sortValue, keeping input order among equal keys in both directions', () => {
    const asc = sortRows(servers, columns, { key: 'cpu', dir: 'asc' });
    expect(ids(asc)).toEqual(['i-2', 'i-1', 'i-3', 'i-5', 'i-4']);
    const desc = sortRows(servers, columns, { key: 'cpu', dir: 'desc' });
    expect(ids(desc)).toEqual(['i-4', 'i-1', 'i-3', 'i-5', 'i-2']);
  });

  it('compares text naturally and case-insensitively', () => {
    const byName = sortRows(servers, columns, { key: 'name', dir: 'asc' });
    expect(byName.map((s) => s.name)).toEqual(['Batch', 'cache', 'db-1', 'web-9', 'web-10']);
  });

  it('sorts a column of ids as plain text: hex digit runs are not numbers', () => {
    const hex = ['i-0b23', 'i-0af0', 'i-0b3a'].map((id) => ({ id, name: id, region: 'r', cpu: 0 }));
    const idColumn = [
      {
        key: 'id',
        title: 'ID',
        priority: 100,
        width: 8,
        sortAs: 'text' as const,
        value: (s: (typeof hex)[0]) => s.id,
      },
    ];
    expect(ids(sortRows(hex, idColumn, { key: 'id', dir: 'asc' }))).toEqual(['i-0af0', 'i-0b23', 'i-0b3a']);
  });

  it('stays stable on a large input with many ties', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      id: `i-${i}`,
      name: 'x',
      region: 'r',
      cpu: i % 3,
    }));
    const sorted = sortRows(many, columns, { key: 'cpu', dir: 'desc' });
    const twos = sorted.filter((s) => s.cpu === 2).map((s) => Number(s.id.slice(2)));
    expect(twos).toEqual([...twos].sort((a, b) => a - b));
    expect(sorted[0].cpu).toBe(2);
    expect(sorted.at(-1)!.cpu).toBe(0);
  });

  it('does not touch the input and ignores an unknown column', () => {
    const before = ids(servers);
    sortRows(servers, columns, { key: 'region', dir: 'desc' });
    expect(ids(servers)).toEqual(before);
    expect(sortRows(servers, columns, { key: 'nope', dir: 'asc' })).toBe(servers);
    expect(sortRows(servers, columns, undefined)).toBe(servers);
  });
});

describe('scrollWindow', () => {
  it('moves the window only as far as needed to show the cursor', () => {
    expect(scrollWindow(0, 0, 10, 100)).toBe(0);
    expect(scrollWindow(9, 0, 10, 100)).toBe(0);
    expect(scrollWindow(10, 0, 10, 100)).toBe(1);
    expect(scrollWindow(50, 45, 10, 100)).toBe(45);
    expect(scrollWindow(44, 45, 10, 100)).toBe(44);
    expect(scrollWindow(99, 0, 10, 100)).toBe(90);
  });

  it('clamps to the rows that exist', () => {
    expect(scrollWindow(3, 80, 10, 5)).toBe(0);
    expect(scrollWindow(0, 0, 10, 0)).toBe(0);
    expect(scrollWindow(95, 95, 10, 100)).toBe(90);
    expect(scrollWindow(5, 3, 0, 100)).toBe(0);
  });
});
