import { describe, expect, it } from 'vitest';
import { linesIn, rowsOf, wrappedRows } from '../../src/components/wrapRows';

describe('wrapped rows', () => {
  const lines = ['short', 'x'.repeat(25), '\x1b[31mred\x1b[0m', '日本語のテキスト'];

  it('counts the rows a line takes as a wrapping view draws it (controls stripped, wide characters whole)', () => {
    expect(lines.map((l) => rowsOf(l, 10))).toEqual([1, 3, 1, 2]);
  });

  it('gives each row its line, its part and the column it starts at', () => {
    expect(wrappedRows(lines, 4, 10, false, 1)).toEqual([
      { index: 1, part: 0, from: 0, text: 'x'.repeat(10) },
      { index: 1, part: 1, from: 10, text: 'x'.repeat(10) },
      { index: 1, part: 2, from: 20, text: 'x'.repeat(5) },
      { index: 2, part: 0, from: 0, text: 'red' },
    ]);
    // Following: the last rows, the newest line whole.
    expect(wrappedRows(lines, 3, 10, true, 0).map((r) => r.text)).toEqual(['red', '日本語のテ', 'キスト']);
  });

  it('says how many lines begin within a height of rows, as the rows a view shows do', () => {
    expect(linesIn(lines, 0, 4, 10)).toBe(2);
    expect(linesIn(lines, 1, 4, 10)).toBe(2);
    const shown = wrappedRows(lines, 4, 10, false, 0);
    expect(shown.filter((r) => r.part === 0)).toHaveLength(linesIn(lines, 0, 4, 10));
  });
});
