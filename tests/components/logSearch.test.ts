import { describe, expect, it } from 'vitest';
import { shownRows, type TextViewState } from '../../src/components/LogView';
import { findMatch, showMatch, viewTop } from '../../src/components/logSearch';
import { matchesIn, rowSegments, searchPattern } from '../../src/components/searchMatches';
import { RingBuffer } from '../../src/domain/ringBuffer';

const pattern = (text: string) => {
  const p = searchPattern(text);
  if (!p.ok) throw new Error(p.error);
  return p.pattern;
};
const FOLLOWING: TextViewState = { follow: true, offset: 0, wrap: false, scrollX: 0 };

describe('what a log search looks for', () => {
  it('is plain text in any case, or re:regex (in any case too); a bad regex is an error value', () => {
    expect(matchesIn('Error: disk full (error 28)', pattern('error'))).toEqual([
      { from: 0, to: 5 },
      { from: 18, to: 23 },
    ]);
    // Plain text is taken as written: a dot or a bracket is no regex.
    expect(matchesIn('a.b axb [x]', pattern('a.b'))).toEqual([{ from: 0, to: 3 }]);
    expect(matchesIn('a.b axb [x]', pattern('[x]'))).toEqual([{ from: 8, to: 11 }]);
    expect(matchesIn('exit 3, EXIT 12', pattern('re:exit \\d+'))).toEqual([
      { from: 0, to: 6 },
      { from: 8, to: 15 },
    ]);
    expect(searchPattern('re:(unclosed')).toEqual({
      ok: false,
      error: expect.stringMatching(/^search "re:\(unclosed": invalid regex: /),
    });
  });

  it('counts display columns (wide characters take two) and skips empty matches', () => {
    expect(matchesIn('日本 error', pattern('error'))).toEqual([{ from: 5, to: 10 }]);
    expect(matchesIn('abc', pattern('re:x*'))).toEqual([]);
  });

  it('cuts a drawn row where its matches begin and end', () => {
    const ranges = matchesIn('say error twice: error', pattern('error'));
    // The row shows the line from column 5: `rror twice: error`.
    expect(rowSegments('rror twice: error', 5, ranges)).toEqual([
      { text: 'rror', range: { from: 4, to: 9 } },
      { text: ' twice: ' },
      { text: 'error', range: { from: 17, to: 22 } },
    ]);
  });
});

describe('going from match to match', () => {
  const lines = ['a', 'x1 x2', 'b', 'x3', 'c'];
  const x = pattern('x');

  it('goes down from a point, and round the end to the top saying so', () => {
    expect(findMatch(lines, x, { index: 1, column: 0 }, 1, true)).toMatchObject({
      index: 1,
      from: 0,
      wrapped: false,
    });
    expect(findMatch(lines, x, { index: 1, column: 0 }, 1)).toMatchObject({
      index: 1,
      from: 3,
      wrapped: false,
    });
    expect(findMatch(lines, x, { index: 1, column: 3 }, 1)).toMatchObject({
      index: 3,
      from: 0,
      wrapped: false,
    });
    expect(findMatch(lines, x, { index: 3, column: 0 }, 1)).toMatchObject({
      index: 1,
      from: 0,
      wrapped: true,
    });
  });

  it('goes up, and round the top to the end saying so', () => {
    expect(findMatch(lines, x, { index: 3, column: 0 }, -1)).toMatchObject({
      index: 1,
      from: 3,
      wrapped: false,
    });
    expect(findMatch(lines, x, { index: 1, column: 3 }, -1)).toMatchObject({
      index: 1,
      from: 0,
      wrapped: false,
    });
    expect(findMatch(lines, x, { index: 1, column: 0 }, -1)).toMatchObject({
      index: 3,
      from: 0,
      wrapped: true,
    });
  });

  it('a single match is found again round the end; none at all is undefined', () => {
    expect(findMatch(['x'], x, { index: 0, column: 0 }, 1)).toMatchObject({ index: 0, wrapped: true });
    expect(findMatch(lines, pattern('zzz'), { index: 0, column: 0 }, 1, true)).toBeUndefined();
    expect(findMatch([], x, { index: 0, column: 0 }, 1, true)).toBeUndefined();
  });
});

describe('showing a match', () => {
  const lines = Array.from({ length: 100 }, (_, i) => (i === 20 ? 'the needle' : `line ${i}`));

  it("stops following and puts the match's line at the top; one in sight does not move the view", () => {
    const shown = showMatch(FOLLOWING, lines, { index: 20, from: 4, to: 10 }, 10, 40);
    expect(shown).toEqual({ follow: false, offset: 20, wrap: false, scrollX: 0 });
    // Near the end: as near the top as the last page allows.
    expect(showMatch(FOLLOWING, lines, { index: 95, from: 0, to: 4 }, 10, 40)).toMatchObject({
      follow: false,
      offset: 90,
    });
    const scrolled = { ...FOLLOWING, follow: false, offset: 15 };
    expect(showMatch(scrolled, lines, { index: 20, from: 4, to: 10 }, 10, 40)).toEqual(scrolled);
  });

  it('counts lines as a ring buffer does: from the first ever pushed', () => {
    const buf = new RingBuffer<string>(50);
    for (let i = 0; i < 130; i++) buf.push(i === 100 ? 'the needle' : `out ${i}`);
    const at = findMatch(
      buf,
      pattern('needle'),
      viewTop(buf, { ...FOLLOWING, follow: false }, 10, 40),
      1,
      true,
    );
    expect(at).toMatchObject({ index: 20 });
    expect(showMatch(FOLLOWING, buf, at!, 10, 40)).toMatchObject({ follow: false, offset: 80 + 20 });
  });

  it('scrolls a cut line sideways to a match beyond the right edge, and back to one left of it', () => {
    const long = [`${'.'.repeat(150)}needle${'.'.repeat(50)}`, 'short'];
    const right = showMatch(FOLLOWING, long, { index: 0, from: 150, to: 156 }, 5, 40);
    // A quarter of the view (10 columns) left of the match.
    expect(right.scrollX).toBe(140);
    const back = showMatch({ ...right }, long, { index: 0, from: 3, to: 9 }, 5, 40);
    expect(back.scrollX).toBe(0);
    // At the end of the widest line: no further than that line's end at the right edge.
    const end = showMatch(FOLLOWING, [`${'.'.repeat(100)}needle`], { index: 0, from: 100, to: 106 }, 5, 40);
    expect(end.scrollX).toBe(106 - 40 + 1);
  });

  it('wrapped: a match in a later row of a long line near the end is brought into sight', () => {
    const wrapped: TextViewState = { follow: true, offset: 0, wrap: true, scrollX: 0 };
    const text = [
      ...Array.from({ length: 20 }, (_, i) => `${i} ${'x'.repeat(60)}`),
      `end ${'y'.repeat(70)}needle`,
    ];
    // 21 lines of 3 rows each at width 30 in a view of 6 rows: the last page of lines (15–20) takes 18 rows.
    const shown = showMatch(wrapped, text, { index: 20, from: 74, to: 80 }, 6, 30);
    expect(shown.follow).toBe(false);
    expect(shownRows(text, 30, 6, shown).map((r) => r.text.trimEnd())).toContain(`${'y'.repeat(14)}needle`);
    // New lines below do not move it (it follows no more): the needle stays in sight.
    const more = [...text, 'later', 'later still'];
    expect(shownRows(more, 30, 6, shown).map((r) => r.text.trimEnd())).toContain(`${'y'.repeat(14)}needle`);
    const up = showMatch(wrapped, text, { index: 17, from: 0, to: 2 }, 6, 30);
    expect(up).toMatchObject({ follow: false, offset: 17 });
  });

  it('wrapped: a match many rows deep into one very long line goes to the top, on the row it starts on', () => {
    const top: TextViewState = { follow: false, offset: 0, wrap: true, scrollX: 0 };
    const text = ['first', `${'z'.repeat(3000)}needle${'z'.repeat(3000)}`, 'last'];
    // 100 rows of 30 columns before the needle's row: far more than the view's 6.
    const shown = showMatch(top, text, { index: 1, from: 3000, to: 3006 }, 6, 30);
    expect(shown).toMatchObject({ follow: false, offset: 1, rowInLine: 100 });
    expect(shownRows(text, 30, 6, shown)[0].text.trimEnd()).toBe(`needle${'z'.repeat(24)}`);
    // In sight already: the view stays.
    expect(showMatch(shown, text, { index: 1, from: 3012, to: 3018 }, 6, 30)).toEqual(shown);
  });
});
