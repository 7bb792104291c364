import { describe, expect, it } from 'vitest';
import { layoutColumns, measureColumns } from '../../src/components/columnLayout';
import { fitCell } from '../../src/components/fitCell';
import { type Column, Priority } from '../../src/components/tableModel';

interface Row {
  id: string;
  name: string;
  region: string;
  state: string;
  project: string;
  detail: string;
}

/** The shape of the Resources table: identifying columns, a project, an age (extra) and a flex detail. */
const columns: Column<Row>[] = [
  {
    key: 'id',
    title: 'ID',
    priority: Priority.identity,
    min: 19,
    max: 21,
    cut: 'middle',
    value: (r) => r.id,
  },
  { key: 'name', title: 'NAME', priority: Priority.identity, min: 16, max: 24, value: (r) => r.name },
  { key: 'region', title: 'REGION', priority: Priority.identity, whole: true, value: (r) => r.region },
  { key: 'state', title: 'STATE', priority: Priority.identity, whole: true, value: (r) => r.state },
  { key: 'project', title: 'PROJECT', priority: Priority.detail + 10, value: (r) => r.project },
  { key: 'age', title: 'AGE', priority: Priority.extra, width: 3, value: () => '2y' },
  { key: 'detail', title: 'DETAIL', priority: Priority.detail, flex: true, min: 16, value: (r) => r.detail },
];

const rows: Row[] = [
  {
    id: 'i-0b231b3bd8b4313f8',
    name: 'web-api-2',
    region: 'ap-northeast-1',
    state: 'terminated',
    project: 'web',
    detail: 't3.medium 172.31.29.18',
  },
  {
    id: 'subnet-025ff974a67c5c8aa',
    name: 'data-warehouse-2-root',
    region: 'us-east-1',
    state: 'available',
    project: 'data',
    detail: '10.5.0.0/20 eu-central-1a public',
  },
];

const natural = measureColumns(rows, columns);
const byKey = (widths: number[]) => Object.fromEntries(columns.map((c, i) => [c.key, widths[i]]));
const used = (widths: number[]) => {
  const shown = widths.filter((w) => w > 0);
  return shown.reduce((a, b) => a + b, 0) + Math.max(0, shown.length - 1);
};

describe('measureColumns', () => {
  it('takes the widest value or the title, and does not measure fixed columns', () => {
    expect(byKey(natural)).toEqual({
      id: 24,
      name: 21,
      region: 14,
      state: 10,
      project: 7,
      age: 3,
      detail: 32,
    });
  });

  it('counts wide characters as two columns and stops at a bound', () => {
    const cols: Column<{ v: string }>[] = [{ key: 'v', title: 'V', priority: 1, value: (r) => r.v }];
    expect(measureColumns([{ v: '日本語' }, { v: 'abcd' }], cols)).toEqual([6]);
    expect(measureColumns([{ v: 'x'.repeat(5000) }], cols)[0]).toBeLessThan(500);
    expect(measureColumns([], cols)).toEqual([1]);
  });

  it('on a long table reads every row of a whole column, so one rare state is not cut', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => ({
      ...rows[0],
      state: i === 31_337 ? 'shutting-down' : 'running',
    }));
    const state = columns.findIndex((c) => c.key === 'state');
    expect(measureColumns(many, columns)[state]).toBe('shutting-down'.length);
  });
});

describe('layoutColumns', () => {
  it('at 80 columns shows identifying values whole and hides the low-priority columns instead', () => {
    const w = byKey(layoutColumns(columns, 78, natural));
    expect(w.region).toBe(14); // ap-northeast-1
    expect(w.state).toBe(10); // terminated
    expect(w.id).toBeGreaterThanOrEqual(19); // an instance id
    expect(w.name).toBeGreaterThanOrEqual(16);
    expect(w.detail).toBe(0);
    expect(w.age).toBe(0);
    expect(used(layoutColumns(columns, 78, natural))).toBeLessThanOrEqual(78);
  });

  it('gives extra width to cut columns up to their max, then to the flex column, then to extras', () => {
    const at100 = byKey(layoutColumns(columns, 100, natural));
    expect(at100).toMatchObject({ id: 21, name: 21, region: 14, state: 10, project: 7, age: 0 });
    expect(at100.detail).toBe(100 - (21 + 21 + 14 + 10 + 7) - 5);
    const at140 = byKey(layoutColumns(columns, 140, natural));
    // Everything whole: the id past its max, the age shown, the rest to the detail.
    expect(at140).toMatchObject({ id: 24, name: 21, region: 14, state: 10, project: 7, age: 3 });
    expect(at140.detail).toBe(140 - (24 + 21 + 14 + 10 + 7 + 3) - 6);
  });

  it('at 300 columns cuts nothing and gives the rest to the flex column', () => {
    const widths = layoutColumns(columns, 300, natural);
    columns.forEach((c, i) => {
      expect(widths[i], c.key).toBeGreaterThanOrEqual(natural[i]);
    });
    expect(used(widths)).toBe(300);
    expect(byKey(widths).state).toBe(10);
  });

  it('cuts a whole column only when the columns above it leave no room', () => {
    // ID 19 + NAME 16 + REGION 14 + 3 gaps = 52: STATE has 6 of its 10.
    const w = byKey(layoutColumns(columns, 58, natural));
    expect(w).toMatchObject({ id: 19, name: 16, region: 14, state: 6, project: 0, detail: 0 });
  });

  it('hides the rightmost of equal priorities first, and never a higher one for a lower one', () => {
    const w = byKey(layoutColumns(columns, 40, natural));
    expect(w).toMatchObject({ id: 21, name: 18, region: 0, state: 0, project: 0, detail: 0 });
  });

  it('a flex column whose values are short needs no more than they do', () => {
    const short = measureColumns(
      rows.map((r) => ({ ...r, detail: 'x' })),
      columns,
    );
    const w = byKey(layoutColumns(columns, 78, short));
    expect(w.detail).toBeGreaterThan(0);
  });

  it('never exceeds the width and never shows a column 0 wide, whatever the width', () => {
    for (let width = 0; width <= 320; width++) {
      const widths = layoutColumns(columns, width, natural);
      expect(used(widths)).toBeLessThanOrEqual(width);
      expect(widths.every((x) => x >= 0)).toBe(true);
      if (width > 0) expect(widths.some((x) => x > 0)).toBe(true);
    }
    expect(layoutColumns(columns, 0, natural).every((x) => x === 0)).toBe(true);
  });

  it('shows what fits at a tiny width, and the first column when nothing does', () => {
    // Neither the id (19) nor the name (16) fits in 10: the region does, cut.
    expect(byKey(layoutColumns(columns, 10, natural))).toMatchObject({ id: 0, name: 0, region: 10 });
    const wide: Column<Row>[] = [
      { key: 'a', title: 'A', priority: 50, min: 12, value: (r) => r.name },
      { key: 'b', title: 'B', priority: 90, min: 12, value: (r) => r.name },
    ];
    expect(layoutColumns(wide, 10)).toEqual([0, 10]);
  });

  it('takes a width with a minimum as the maximum of a measured column', () => {
    const cols: Column<Row>[] = [
      { key: 'a', title: 'A', priority: 50, width: 12, min: 4, value: (r) => r.name },
      { key: 'b', title: 'B', priority: 40, flex: true, value: (r) => r.detail },
    ];
    const n = measureColumns(rows, cols);
    expect(n[0]).toBe(21); // measured, not fixed
    // Bounded by the width until the flex column is whole (its widest value is 32), then past it.
    expect(layoutColumns(cols, 40, n)).toEqual([12, 27]);
    expect(layoutColumns(cols, 60, n)).toEqual([21, 38]);
  });

  it('shares the rest evenly among flex columns, and leaves it blank with none', () => {
    const two: Column<Row>[] = [
      { key: 'a', title: 'A', priority: 50, flex: true, min: 5, value: (r) => r.name },
      { key: 'b', title: 'B', priority: 50, flex: true, min: 5, value: (r) => r.name },
    ];
    expect(layoutColumns(two, 61)).toEqual([30, 30]);
    const fixed: Column<Row>[] = [{ key: 'a', title: 'A', priority: 50, width: 8, value: (r) => r.name }];
    expect(layoutColumns(fixed, 80)).toEqual([8]);
  });
});

describe('fitCell', () => {
  it('cuts an id in the middle, keeping both ends', () => {
    expect(fitCell('subnet-025ff974a67c5c8aa', 19, 'left', 'middle')).toBe('subnet-02…a67c5c8aa');
    expect(fitCell('subnet-025ff974a67c5c8aa', 19, 'left', 'middle')).toHaveLength(19);
    expect(fitCell('i-0b231b3bd8b4313f8', 21, 'left', 'middle')).toBe('i-0b231b3bd8b4313f8  ');
  });

  it('cuts at the end by default, and wide or hostile text safely', () => {
    expect(fitCell('data-warehouse-2-root', 16)).toBe('data-warehouse-…');
    expect(fitCell('日本語のサーバー', 7, 'left', 'middle')).toBe('日本語…');
    expect(fitCell('evil\x1b[2Jname', 8, 'left', 'middle')).not.toContain('\x1b');
  });

  it('cuts by word before a word with digits, so an id shows whole or not at all', () => {
    const what = 'start instance in ap-northeast-1: i-0cda8c8fcfbd8cef7';
    expect(fitCell(what, 53)).toBe(what);
    expect(fitCell(what, 50, 'left', 'word')).toBe('start instance in ap-northeast-1: …'.padEnd(50));
    expect(fitCell(what, 28, 'left', 'word')).toBe('start instance in …'.padEnd(28));
    // A word of letters cut short still reads as itself; a value with nothing before the word is cut as usual.
    expect(fitCell('experiment tiny-regression lr=0.1', 21, 'left', 'word')).toBe('experiment tiny-regr…');
    expect(fitCell('i-0cda8c8fcfbd8cef7', 10, 'left', 'word')).toBe('i-0cda8c8…');
    // A word that would keep a few letters goes whole: `path does not exist: /i…` named no path.
    expect(fitCell('path does not exist: /infradeck-missing-demo-repo', 24, 'left', 'word')).toBe(
      'path does not exist: …'.padEnd(24),
    );
    expect(fitCell('eu-west-1: 54 resources', 19, 'left', 'word')).toBe('eu-west-1: 54 …'.padEnd(19));
    expect(fitCell('build → step 3: make target-12', 26, 'left', 'word')).toBe(
      'build → step 3: make …'.padEnd(26),
    );
  });
});
