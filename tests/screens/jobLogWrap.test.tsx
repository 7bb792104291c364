import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { runAndOpenLog } from '../harness/paletteRun';
import { type DeckSession, startDeck } from '../harness/startDeck';

// A search's match shows inverse: it must reach the frames; chalk decides at import time.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
const inverted = (frame: string) =>
  [...frame.matchAll(/\x1b\[7m((?:(?!\x1b\[27m).)*)\x1b\[27m/g)].map((m) => plain(m[1]));

let deck: DeckSession | undefined;
let bus: Bus | undefined;
afterEach(async () => {
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  bus = undefined;
});

/** 40 lines of 169 columns: at 80 columns each wraps into three rows that start `L10r0`, `L10r1`, `L10r2`. */
const threeRowLines = `sh -c "for i in $(seq 10 49); do printf 'L%dr0 %074d' $i 0; printf 'L%dr1 %074d' $i 0; printf 'L%dr2 end\\n' $i; done"`;
/** Every row those lines wrap into, in order, by the word each starts with. */
const outputRows = Array.from({ length: 40 }, (_, i) => [0, 1, 2].map((k) => `L${i + 10}r${k}`)).flat();

/** The line of the job's view (the output's heading is line 0) whose row `row` is: L10r2 is on line 1. */
const lineOf = (row: string) => Number(row.slice(1, 3)) - 9;

/** `:run …` at 80x24, then Enter on the job once it completed: its log, at its end. */
async function openLog(line: string): Promise<DeckSession> {
  const made = memoryDeckBus();
  bus = made.bus;
  const d = await startDeck({ bus: made.deckBus, size: { columns: 80, rows: 24 } });
  deck = d;
  await runAndOpenLog(d, line);
  return d;
}

/** The log's rows, each by its first word (the job's header above, the hint line below). */
function logRows(d: DeckSession): string[] {
  const lines = plain(d.frame()).split('\n');
  const hints = lines.findIndex((l) => l.includes('Esc back'));
  return lines.slice(4, hints).map((l) => l.split(' ')[0]);
}
const topRow = (d: DeckSession) => logRows(d)[0];
/** The job view's counts and where it stands (`40 lines · line 6 · wrapped`). */
const whereLine = (d: DeckSession) => plain(d.lines()[2]).trimEnd();

/** Presses `key` and waits until the log's top row is `top`. */
async function pressTo(d: DeckSession, key: string, top: string) {
  await d.press(key);
  await d.waitFor(() => topRow(d) === top);
}

describe("a job's log with wrap on scrolls by rows", () => {
  it('j moves one row, through every row of a long line; the note names the top row’s line', async () => {
    const d = await openLog(threeRowLines);
    await d.press('w');
    await d.waitFor((f) => plain(f).includes('wrapped'));
    await pressTo(d, 'g', 'output:');
    for (const row of ['L10r0', 'L10r1', 'L10r2', 'L11r0', 'L11r1']) await pressTo(d, 'j', row);
    expect(whereLine(d)).toMatch(/40 lines · line 2 · wrapped$/);
    await pressTo(d, 'k', 'L11r0');
    await pressTo(d, 'k', 'L10r2');
    expect(whereLine(d)).toMatch(/40 lines · line 1 · wrapped$/);
  });

  it('PgDn shows the rows after the last one in view: none skipped down to the end', async () => {
    const d = await openLog(threeRowLines);
    await d.press('w');
    await pressTo(d, 'g', 'output:');
    const seen = new Set(logRows(d));
    // The first page: the heading, then the rows from L10r0 on.
    const page = logRows(d).length;
    expect(logRows(d).at(-1)).toBe(outputRows[page - 2]);
    const next = outputRows[page - 1];
    await pressTo(d, 'pgdn', next);
    for (const row of logRows(d)) seen.add(row);
    expect(whereLine(d)).toMatch(new RegExp(`· line ${lineOf(next)} · wrapped$`));
    for (let pages = 0; pages < 6; pages++) {
      const before = logRows(d);
      await d.press('pgdn');
      await d.waitFor(() => topRow(d) !== before[0]);
      for (const row of logRows(d)) seen.add(row);
    }
    expect(outputRows.filter((row) => !seen.has(row))).toEqual([]);
    expect(logRows(d).at(-1)).toBe('');
    expect(plain(d.frame())).toMatch(/^ {2}droppedLines: 0/m);
  });

  it('k after G moves up one row', async () => {
    const d = await openLog(threeRowLines);
    await d.press('w');
    await d.waitFor((f) => plain(f).includes('wrapped'));
    await d.press('G');
    const atEnd = logRows(d);
    expect(outputRows).toContain(atEnd[0]);
    const above = outputRows[outputRows.indexOf(atEnd[0]) - 1];
    await pressTo(d, 'k', above);
    expect(logRows(d).slice(1)).toEqual(atEnd.slice(0, -1));
    expect(whereLine(d)).toMatch(new RegExp(`· line ${lineOf(above)} · wrapped$`));
  });

  it('w keeps the top line: cut, wrapped, a page of rows on, cut again', async () => {
    const d = await openLog(threeRowLines);
    await pressTo(d, 'g', 'output:');
    for (let i = 0; i < 5; i++) await d.press('j');
    await d.waitFor(() => topRow(d) === 'L14r0');
    await pressTo(d, 'w', 'L14r0');
    expect(logRows(d)[1]).toBe('L14r1');
    // A page of rows on, where a row of some line is on top: that line stays on top as w cuts and wraps again.
    await pressTo(d, 'j', 'L14r1');
    const paged = outputRows[outputRows.indexOf('L14r1') + logRows(d).length];
    expect(paged).not.toMatch(/r0$/);
    await pressTo(d, 'pgdn', paged);
    const line = paged.slice(0, 3);
    expect(whereLine(d)).toMatch(new RegExp(`· line ${lineOf(paged)} · wrapped$`));
    await d.press('w');
    await d.waitFor(() => !whereLine(d).includes('wrapped'));
    expect(topRow(d)).toBe(`${line}r0`);
    expect(whereLine(d)).toMatch(new RegExp(`· line ${lineOf(paged)}$`));
    await pressTo(d, 'w', `${line}r0`);
    expect(logRows(d)[1]).toBe(`${line}r1`);
  });

  it('/ brings a match deep inside a very long line into view: the row it starts on', async () => {
    // The needle starts at column 4001 of line 31: the 51st of its 51 rows at 80 columns.
    const d = await openLog(`sh -c "seq 1 30; printf '%04000d needle\\n' 0; seq 31 60"`);
    await d.press('w');
    await pressTo(d, 'g', 'output:');
    await d.press('/');
    await d.type('needle');
    await d.press('enter');
    const f = await d.waitFor((fr) => inverted(fr).includes('needle'));
    expect(plain(f).split('\n')).toContainEqual(expect.stringMatching(/^ needle *$/));
    expect(whereLine(d)).toMatch(/· line 31 · wrapped$/);
  });
});
