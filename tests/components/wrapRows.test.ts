import { describe, expect, it } from 'vitest';
import { keptPlace, lastPageTop, movedRows, rowsOf, wrappedRows } from '../../src/components/wrapRows';

describe('wrapped rows', () => {
  const lines = ['short', 'x'.repeat(25), '\x1b[31mred\x1b[0m', '日本語のテキスト'];

  it('counts the rows a line takes as a wrapping view draws it (controls stripped, wide characters whole)', () => {
    expect(lines.map((l) => rowsOf(l, 10))).toEqual([1, 3, 1, 2]);
  });

  it('gives each row its line, its part and the column it starts at, from any row of a line', () => {
    expect(wrappedRows(lines, 4, 10, { index: 1, row: 0 })).toEqual([
      { index: 1, part: 0, from: 0, text: 'x'.repeat(10) },
      { index: 1, part: 1, from: 10, text: 'x'.repeat(10) },
      { index: 1, part: 2, from: 20, text: 'x'.repeat(5) },
      { index: 2, part: 0, from: 0, text: 'red' },
    ]);
    expect(wrappedRows(lines, 2, 10, { index: 1, row: 2 }).map((r) => r.text)).toEqual([
      'x'.repeat(5),
      'red',
    ]);
  });

  it('moves by rows across lines, stopping at the first and the last row', () => {
    expect(movedRows(lines, { index: 0, row: 0 }, 1, 10)).toEqual({ index: 1, row: 0 });
    expect(movedRows(lines, { index: 1, row: 1 }, 1, 10)).toEqual({ index: 1, row: 2 });
    expect(movedRows(lines, { index: 1, row: 1 }, 3, 10)).toEqual({ index: 3, row: 0 });
    expect(movedRows(lines, { index: 3, row: 0 }, -2, 10)).toEqual({ index: 1, row: 2 });
    expect(movedRows(lines, { index: 1, row: 2 }, -3, 10)).toEqual({ index: 0, row: 0 });
    expect(movedRows(lines, { index: 1, row: 2 }, 50, 10)).toEqual({ index: 3, row: 1 });
    expect(movedRows(lines, { index: 1, row: 2 }, -50, 10)).toEqual({ index: 0, row: 0 });
  });

  it('finds the top of the last page from the end, wrapping only the lines in it', () => {
    const read: number[] = [];
    const many = {
      length: 10_000,
      at(i: number) {
        read.push(i);
        return i === 9_998 ? 'y'.repeat(30) : `line ${i}`;
      },
    };
    // The last line takes a row and the one before it three: a page of 3 starts on that line's second row.
    expect(lastPageTop(many, 3, 10)).toEqual({ index: 9_998, row: 1 });
    expect(lastPageTop(many, 6, 10)).toEqual({ index: 9_996, row: 0 });
    expect(Math.min(...read)).toBe(9_996);
    expect(lastPageTop(lines, 100, 10)).toEqual({ index: 0, row: 0 });
  });

  it('keeps a named row within the lines there are', () => {
    expect(keptPlace(lines, { index: 1, row: 7 }, 10)).toEqual({ index: 1, row: 2 });
    expect(keptPlace(lines, { index: -5, row: 1 }, 10)).toEqual({ index: 0, row: 0 });
    expect(keptPlace(lines, { index: 9, row: 0 }, 10)).toEqual({ index: 3, row: 1 });
    expect(keptPlace([], { index: 2, row: 1 }, 10)).toEqual({ index: 0, row: 0 });
  });
});
