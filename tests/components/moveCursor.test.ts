import { describe, expect, it } from 'vitest';
import { moveCursor } from '../../src/components/CursorList';

// Rows 0..7 where only 0, 3, 4 and 7 are stops (2, 5 and 6 are headings or blank lines, say).
const stops = (i: number) => [0, 3, 4, 7].includes(i);

describe('moveCursor', () => {
  it('passes over rows that are not stops, both ways, and stays put at either end', () => {
    expect(moveCursor('nav.down', 0, 8, 3, stops)).toBe(3);
    expect(moveCursor('nav.down', 4, 8, 3, stops)).toBe(7);
    expect(moveCursor('nav.down', 7, 8, 3, stops)).toBe(7);
    expect(moveCursor('nav.up', 7, 8, 3, stops)).toBe(4);
    expect(moveCursor('nav.up', 3, 8, 3, stops)).toBe(0);
    expect(moveCursor('nav.up', 0, 8, 3, stops)).toBe(0);
  });

  it('pages, goes to the first and last stop, and ignores what is not a move', () => {
    expect(moveCursor('nav.pageDown', 0, 8, 5, stops)).toBe(7);
    expect(moveCursor('nav.pageUp', 7, 8, 5, stops)).toBe(0);
    expect(moveCursor('nav.bottom', 0, 8, 3, (i) => i < 5)).toBe(4);
    expect(moveCursor('nav.top', 7, 8, 3, (i) => i > 2)).toBe(3);
    expect(moveCursor('table.select', 0, 8, 3, stops)).toBeUndefined();
    expect(moveCursor('nav.down', 0, 0, 3)).toBe(0);
  });
});
