import { describe, expect, it } from 'vitest';
import {
  type Column,
  filterRows,
  layoutColumns,
  scrollWindow,
  sortRows,
} from '../../src/components/tableModel';

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
  { key: 'name', title: 'NAME', width: 'flex', value: (s) => s.name },
  { key: 'region', title: 'REGION', width: 12, value: (s) => s.region },
  { key: 'cpu', title: 'CPU', width: 5, align: 'right', value: (s) => `${s.cpu}%`, sortValue: (s) => s.cpu },
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
      { key: 'id', title: 'ID', width: 8, sortAs: 'text' as const, value: (s: (typeof hex)[0]) => s.id },
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

describe('layoutColumns', () => {
  const wide: Column<Server>[] = [
    { key: 'name', title: 'NAME', width: 'flex', minWidth: 10, value: (s) => s.name },
    { key: 'region', title: 'REGION', width: 12, value: (s) => s.region },
    { key: 'desc', title: 'DESCRIPTION', width: 'flex', minWidth: 8, value: () => '' },
    { key: 'status', title: 'STATUS', width: 10, value: () => '' },
    { key: 'age', title: 'AGE', width: 5, value: () => '' },
  ];
  const used = (ws: number[]) => ws.reduce((a, b) => a + b, 0) + Math.max(0, ws.length - 1);

  it('gives fixed columns their width and shares the rest among flex columns at 80 and 200', () => {
    const at80 = layoutColumns(wide, 80);
    expect(at80).toEqual([25, 12, 24, 10, 5]);
    expect(used(at80)).toBe(80);
    const at200 = layoutColumns(wide, 200);
    expect(at200).toEqual([85, 12, 84, 10, 5]);
    expect(used(at200)).toBe(200);
  });

  it('shrinks flex columns to their minimum, then drops trailing columns', () => {
    expect(layoutColumns(wide, 49)).toEqual([10, 12, 8, 10, 5]);
    const at40 = layoutColumns(wide, 40);
    expect(at40).toEqual([13, 12, 13]);
    expect(used(at40)).toBe(40);
    expect(layoutColumns(wide, 23)).toEqual([10, 12]);
    expect(layoutColumns(wide, 22)).toEqual([22]);
    expect(layoutColumns(wide, 3)).toEqual([3]);
    expect(layoutColumns(wide, 0)).toEqual([]);
  });

  it('shrinks a fixed column that declares a smaller minWidth before dropping it', () => {
    const cols: Column<Server>[] = [
      { key: 'name', title: 'NAME', width: 'flex', minWidth: 6, value: (s) => s.name },
      { key: 'region', title: 'REGION', width: 12, minWidth: 9, value: (s) => s.region },
    ];
    expect(layoutColumns(cols, 17)).toEqual([6, 10]);
  });

  it('never exceeds the width, whatever it is', () => {
    for (let w = 0; w <= 220; w++) {
      const ws = layoutColumns(wide, w);
      expect(used(ws)).toBeLessThanOrEqual(w);
      expect(ws.every((x) => x > 0)).toBe(true);
    }
  });

  it('leaves the rest blank when there is no flex column', () => {
    const fixed = wide.filter((c) => c.width !== 'flex');
    expect(layoutColumns(fixed, 80)).toEqual([12, 10, 5]);
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

describe('layoutColumns with uneven flex minimums', () => {
  it('gives a flex column its minimum out of its neighbour’s share', () => {
    const cols: Column<Server>[] = [
      { key: 'a', title: 'A', width: 'flex', minWidth: 20, value: (s) => s.name },
      { key: 'b', title: 'B', width: 'flex', minWidth: 3, value: (s) => s.region },
    ];
    expect(layoutColumns(cols, 25)).toEqual([20, 4]);
    expect(layoutColumns(cols, 61)).toEqual([30, 30]);
  });
});
