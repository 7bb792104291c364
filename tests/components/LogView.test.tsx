import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isLogScrollAction,
  isTextViewAction,
  LOG_FOLLOW,
  type LogLines,
  type LogScroll,
  LogView,
  logScroll,
  logWindow,
  shownRows,
  type TextViewState,
  textViewStep,
} from '../../src/components/LogView';
import { RingBuffer } from '../../src/domain/ringBuffer';

const tick = () => new Promise((r) => setTimeout(r, 20));

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

async function frameOf(el: React.ReactElement): Promise<string[]> {
  const r = render(el);
  unmount = r.unmount;
  await tick();
  return (r.lastFrame() ?? '').split('\n');
}

describe('LogView', () => {
  it('strips escape sequences and control characters from streamed output', async () => {
    const lines = [
      '\x1b[32m✓\x1b[0m compiled \x1b]0;npm run build\x07in 2.1s',
      'progress 10%\r\x1b[Kprogress 100%',
      'bell\x07 and \x1b[2J\x1b[Hclear',
      'col1\tcol2',
    ];
    const frame = await frameOf(<LogView lines={lines} width={60} height={6} follow />);
    expect(frame.join('\n')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(frame.map((l) => l.trimEnd())).toEqual([
      '✓ compiled in 2.1s',
      'progress 100%',
      'bell and clear',
      'col1    col2',
      '',
      '',
    ]);
  });

  it('follows the tail and renders exactly `height` lines, each at most `width` wide', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i} ${'x'.repeat(i % 120)}`);
    const frame = await frameOf(<LogView lines={lines} width={40} height={5} follow />);
    expect(frame).toHaveLength(5);
    expect(frame[0]).toMatch(/^line 995 /);
    expect(frame[4]).toMatch(/^line 999 /);
    for (const l of frame) expect(stringWidth(l)).toBeLessThanOrEqual(40);
    expect(frame[4].endsWith('…')).toBe(true);
  });

  it('shows the window at `offset` when not following', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const frame = await frameOf(<LogView lines={lines} width={20} height={3} follow={false} offset={10} />);
    expect(frame.map((l) => l.trim())).toEqual(['line 10', 'line 11', 'line 12']);
  });

  it('stays bounded with a ring buffer and keeps a scrolled-back view on the same text while lines evict', async () => {
    const buf = new RingBuffer<string>(500);
    for (let i = 0; i < 100_000; i++) buf.push(`out ${i}`);
    expect(buf.length).toBe(500);
    let scroll: LogScroll = LOG_FOLLOW;
    scroll = logScroll(scroll, 'nav.pageUp', buf.length, 4, buf.dropped);
    expect(scroll.follow).toBe(false);
    const r = render(
      <LogView lines={buf} width={30} height={4} follow={scroll.follow} offset={scroll.offset} />,
    );
    unmount = r.unmount;
    await tick();
    expect((r.lastFrame() ?? '').split('\n').map((l) => l.trim())).toEqual([
      'out 99992',
      'out 99993',
      'out 99994',
      'out 99995',
    ]);
    for (let i = 100_000; i < 100_100; i++) buf.push(`out ${i}`);
    r.rerender(<LogView lines={buf} width={30} height={4} follow={scroll.follow} offset={scroll.offset} />);
    await tick();
    expect((r.lastFrame() ?? '').split('\n')[0].trim()).toBe('out 99992');
    r.rerender(<LogView lines={buf} width={30} height={4} follow offset={scroll.offset} />);
    await tick();
    expect((r.lastFrame() ?? '').split('\n')[3].trim()).toBe('out 100099');
  });

  it('shows the empty message for an empty log and pads to the height', async () => {
    const frame = await frameOf(
      <LogView lines={[]} width={30} height={3} follow emptyMessage="no output yet" />,
    );
    expect(frame).toHaveLength(3);
    expect(frame[0].trim()).toBe('no output yet');
  });
});

describe('logScroll', () => {
  const total = 100;
  const height = 10;

  it('leaves follow mode on the way up and re-enters it at the bottom', () => {
    let s: LogScroll = LOG_FOLLOW;
    s = logScroll(s, 'nav.up', total, height);
    expect(s).toEqual({ follow: false, offset: 89 });
    s = logScroll(s, 'nav.pageUp', total, height);
    expect(s).toEqual({ follow: false, offset: 79 });
    s = logScroll(s, 'nav.top', total, height);
    expect(s).toEqual({ follow: false, offset: 0 });
    s = logScroll(s, 'nav.up', total, height);
    expect(s).toEqual({ follow: false, offset: 0 });
    s = logScroll(s, 'nav.pageDown', total, height);
    expect(s).toEqual({ follow: false, offset: 10 });
    s = logScroll({ follow: false, offset: 89 }, 'nav.down', total, height);
    expect(s).toEqual({ follow: true, offset: 90 });
    s = logScroll({ follow: false, offset: 3 }, 'nav.bottom', total, height);
    expect(s.follow).toBe(true);
  });

  it('keeps following when the log is shorter than the view', () => {
    expect(logScroll(LOG_FOLLOW, 'nav.up', 4, height)).toEqual(LOG_FOLLOW);
  });

  it('leaves the state alone for actions that are not scrolling', () => {
    const s = { follow: false, offset: 12 };
    expect(logScroll(s, 'view.back', total, height)).toBe(s);
    expect(isLogScrollAction('view.back')).toBe(false);
    expect(isLogScrollAction('nav.pageUp')).toBe(true);
  });

  it('counts offsets from the first line ever pushed', () => {
    const s = logScroll(LOG_FOLLOW, 'nav.up', 500, 10, 99_500);
    expect(s.offset).toBe(99_500 + 489);
    expect(logWindow(500, 10, s, 99_500)).toEqual({ start: 489, end: 499, below: 1 });
    // once those lines are evicted the window clamps to the oldest kept line
    expect(logWindow(500, 10, s, 100_200).start).toBe(0);
  });
});

describe('long lines in a LogView', () => {
  const long = `start ${'0123456789'.repeat(5)} end`; // 60 columns

  it('wraps a long line onto as many rows as it needs, and follows the last row', async () => {
    const frame = await frameOf(<LogView lines={['first', long]} width={25} height={4} follow wrap />);
    expect(frame.map((l) => l.trimEnd())).toEqual([
      'first',
      long.slice(0, 25),
      long.slice(25, 50),
      long.slice(50),
    ]);
    // Following with less room: the newest rows, so the end of the last line is on screen.
    const tail = await frameOf(<LogView lines={['first', long]} width={25} height={2} follow wrap />);
    expect(tail.map((l) => l.trimEnd())).toEqual([long.slice(25, 50), long.slice(50)]);
  });

  it('wraps wide characters whole', async () => {
    const frame = await frameOf(
      <LogView lines={['日本語のテキスト']} width={5} height={4} follow={false} wrap />,
    );
    expect(frame.map((l) => l.trimEnd())).toEqual(['日本', '語の', 'テキ', 'スト']);
  });

  it('shows each line from column `scrollX`, cut with … where more follows', async () => {
    const frame = await frameOf(
      <LogView lines={[long, 'short']} width={20} height={2} follow scrollX={10} />,
    );
    expect(frame).toEqual([`${long.slice(10, 29)}…`, '']);
  });

  it('w toggles wrapping, ←/→ move a quarter of the view and stop where the widest line in view ends', () => {
    const lines = [long, 'short'];
    let s = { follow: false, offset: 0, wrap: false, scrollX: 0 };
    expect(isTextViewAction('view.wrap') && isTextViewAction('view.scrollRight')).toBe(true);
    s = textViewStep(s, 'view.scrollRight', lines, 5, 40);
    expect(s.scrollX).toBe(10);
    s = textViewStep(s, 'view.scrollRight', lines, 5, 40);
    expect(s.scrollX).toBe(20);
    // 60 columns in a 40-column view: column 21 onwards is the last that still ends at the edge.
    s = textViewStep(s, 'view.scrollRight', lines, 5, 40);
    expect(s.scrollX).toBe(21);
    expect(textViewStep(s, 'view.scrollRight', lines, 5, 40)).toBe(s);
    s = textViewStep(s, 'view.scrollLeft', lines, 5, 40);
    expect(s.scrollX).toBe(11);
    s = textViewStep(s, 'view.wrap', lines, 5, 40);
    expect(s).toMatchObject({ wrap: true, scrollX: 0 });
    // Nothing is cut while wrapping: no sideways scroll.
    expect(textViewStep(s, 'view.scrollRight', lines, 5, 40)).toBe(s);
    expect(textViewStep(s, 'nav.bottom', lines, 5, 40)).toEqual({ ...s, follow: true });
  });
});

describe('a wrapping text view scrolls by rows', () => {
  // Lines of 3 rows each at width 10 (`3a...` is line 3's first row, `3b...` its second, `3c` its third).
  const lineOf = (i: number) => [`${i}a`.padEnd(10, '.'), `${i}b`.padEnd(10, '.'), `${i}c`].join('');
  const rowsAt = (lines: LogLines, view: TextViewState, height = 4) =>
    shownRows(lines, 10, height, view).map((r) => r.text.trimEnd());
  const TOP: TextViewState = { follow: false, offset: 0, wrap: true, scrollX: 0 };

  it('j, k, PgDn, PgUp move rows; G follows the last row; k after G goes up one row', () => {
    const lines = Array.from({ length: 6 }, (_, i) => lineOf(i));
    const step = (s: TextViewState, action: string) => textViewStep(s, action, lines, 4, 10);
    let s = step(TOP, 'nav.down');
    expect(s).toMatchObject({ follow: false, offset: 0, rowInLine: 1 });
    expect(rowsAt(lines, s)).toEqual(['0b........', '0c', '1a........', '1b........']);
    s = step(s, 'nav.pageDown');
    expect(rowsAt(lines, s)[0]).toBe('1c');
    s = step(s, 'nav.pageUp');
    expect(rowsAt(lines, s)[0]).toBe('0b........');
    s = step(step(s, 'nav.up'), 'nav.up');
    expect(s).toMatchObject({ follow: false, offset: 0, rowInLine: 0 });
    s = step(s, 'nav.bottom');
    expect(s).toMatchObject({ follow: true, offset: 4, rowInLine: 2 });
    expect(rowsAt(lines, s)).toEqual(['4c', '5a........', '5b........', '5c']);
    s = step(s, 'nav.up');
    expect(s).toMatchObject({ follow: false, offset: 4, rowInLine: 1 });
    expect(rowsAt(lines, s)).toEqual(['4b........', '4c', '5a........', '5b........']);
    // Down to the last row follows again; up from the top changes nothing.
    expect(step(s, 'nav.down')).toMatchObject({ follow: true, offset: 4, rowInLine: 2 });
    expect(step(TOP, 'nav.up')).toBe(TOP);
  });

  it('w keeps the line on top: wrapped from its first row, cut from the line of the top row', () => {
    const lines = Array.from({ length: 10 }, (_, i) => lineOf(i));
    let s: TextViewState = { follow: false, offset: 3, wrap: false, scrollX: 4 };
    s = textViewStep(s, 'view.wrap', lines, 4, 10);
    expect(s).toEqual({ follow: false, offset: 3, wrap: true, scrollX: 0, rowInLine: 0 });
    s = textViewStep(s, 'nav.pageDown', lines, 4, 10);
    expect(rowsAt(lines, s)[0]).toBe('4b........');
    s = textViewStep(s, 'view.wrap', lines, 4, 10);
    expect(s).toMatchObject({ follow: false, offset: 4, wrap: false });
  });

  it('names its top row by the line as a ring buffer counts it: it stays on the same text while lines evict', () => {
    const buf = new RingBuffer<string>(50);
    for (let i = 0; i < 120; i++) buf.push(lineOf(i));
    let s = textViewStep({ ...TOP, follow: true }, 'nav.pageUp', buf, 4, 10);
    s = textViewStep(s, 'nav.up', buf, 4, 10);
    const before = rowsAt(buf, s);
    expect(before[0]).toBe('117a......');
    for (let i = 120; i < 140; i++) buf.push(lineOf(i));
    expect(rowsAt(buf, s)).toEqual(before);
  });

  it('reads only the lines a step passes, never the whole log', () => {
    let read = 0;
    const lines: LogLines = {
      length: 1_000_000,
      at(i) {
        read++;
        return lineOf(i);
      },
    };
    let s: TextViewState = { ...TOP, follow: true };
    for (const action of ['nav.pageUp', 'nav.up', 'nav.pageDown', 'nav.down', 'nav.top', 'nav.pageDown']) {
      read = 0;
      s = textViewStep(s, action, lines, 30, 10);
      expect(read, action).toBeLessThan(100);
    }
    read = 0;
    expect(shownRows(lines, 10, 30, s)).toHaveLength(30);
    expect(read).toBeLessThan(100);
  });
});
