import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { helpLayout, helpLines } from '../../src/app/HelpOverlay';
import { fitHintLine } from '../../src/ui/keyHints';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
afterEach(() => {
  deck?.unmount();
  deck = undefined;
});

const resourcesHints = {
  screen: ['Enter details', 's scan', 'Space select', 'd delete', 'p project', ':ec2 :vpc :sg :s3'],
  global: ['? help', ': command'],
};

describe('the hint line', () => {
  it('shows every hint when they fit', () => {
    expect(fitHintLine(resourcesHints, 120)).toBe(
      'Enter details  s scan  Space select  d delete  p project  :ec2 :vpc :sg :s3  ? help  : command',
    );
  });

  it('drops whole hints of the screen from the right, never cuts one, and keeps ? help', () => {
    const line = fitHintLine(resourcesHints, 80);
    expect(line).toBe('Enter details  s scan  Space select  d delete  p project  ? help  : command');
    for (const width of [30, 50, 60, 79]) {
      const fitted = fitHintLine(resourcesHints, width);
      expect(stringWidth(fitted)).toBeLessThanOrEqual(width);
      expect(fitted).toMatch(/\? help {2}: command$/);
      expect(fitted).not.toContain('…');
    }
  });

  it('keeps a lead such as the active filter before the hints', () => {
    const line = fitHintLine(resourcesHints, 80, 'filter: web  ');
    expect(line.startsWith('filter: web  Enter details')).toBe(true);
    expect(stringWidth(line)).toBeLessThanOrEqual(80);
    expect(line).toMatch(/\? help {2}: command$/);
    // A long filter leaves room for `? help` only.
    const long = fitHintLine(
      resourcesHints,
      80,
      'filter: region:ap-northeast-1 state:running (/ to change, Esc clears)  ',
    );
    expect(long).toBe('filter: region:ap-northeast-1 state:running (/ to change, Esc clears)  ? help');
  });
});

describe('the help overlay', () => {
  const filter = {
    keys: '/',
    text: 'Filter: text, re:regex, glob*, column:value, !not (Esc clears it) [table.filter]',
  };

  it('wraps what a key does under its description instead of cutting it', () => {
    const lines = helpLines(filter, 38).map((l) => l.text);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]).toMatch(/^ \/ {11}Filter: text,/);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {13}\S/);
    expect(lines.join(' ').replace(/ +/g, ' ')).toContain(
      'glob*, column:value, !not (Esc clears it) [table.filter]',
    );
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(38);
  });

  it('gives keys wider than their column a line of their own', () => {
    const lines = helpLines({ keys: 'ctrl-shift-x alt-y', text: 'Something [x.y]' }, 60).map((l) => l.text);
    expect(lines).toEqual([' ctrl-shift-x alt-y', `${' '.repeat(13)}Something [x.y]`]);
  });

  it('takes two columns only when they need fewer rows, and never splits an entry between them', () => {
    const entries = [
      { text: 'Table', heading: true },
      ...Array.from({ length: 30 }, (_, i) => ({ keys: `k${i}`, text: `Action number ${i} [a.n${i}]` })),
    ];
    const wide = helpLayout(entries, 118, 20);
    expect(wide.columns).toHaveLength(2);
    const narrow = helpLayout(entries, 60, 20);
    expect(narrow.columns).toHaveLength(1);
    const long = [filter, filter, filter, filter];
    const two = helpLayout(long, 78, 3);
    for (const column of two.columns) expect(column[0].text).toMatch(/^ \//);
  });

  it('says on its last row that it scrolls, and where it is, at 80x24', async () => {
    deck = await startDeck({ size: { columns: 80, rows: 24 } });
    await deck.press('?');
    await deck.waitFor('↓ more below');
    // Rows 1–21 are the overlay (the tab bar above, the message line and the status bar below).
    const last = () => deck!.lines()[21] ?? '';
    expect(last()).toMatch(/^ ↓ more below · lines 1–20 of (\d+) · j\/k PgDn\/PgUp g\/G scroll · Esc closes/);
    const total = Number(/of (\d+)/.exec(last())?.[1]);
    expect(total).toBeGreaterThan(20);
    await deck.press('j');
    await deck.waitFor(() => last().includes('lines 2–21'));
    expect(last()).toContain('↑↓ more above and below');
    for (let i = 0; i < total && !last().includes('↑ more above ·'); i++) await deck.press('j');
    expect(last()).toContain(`lines ${total - 19}–${total} of ${total}`);
    expect(deck.frame()).toContain('Esc, ? or q closes, j/k scroll.');
    // A page, the top, the bottom: as every scrolled view (the help listed PgDn and g/G and did nothing on them).
    await deck.press('g');
    await deck.waitFor(() => last().includes('lines 1–20'));
    await deck.press('pgdn');
    await deck.waitFor(() => last().includes('lines 20–39'));
    await deck.press('G');
    await deck.waitFor(() => last().includes(`lines ${total - 19}–${total}`));
    await deck.press('pgup');
    await deck.waitFor(() => !last().includes(`lines ${total - 19}–${total}`));
  });
});
