import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeck } from '../../src/app/createDeck';
import { configSchema } from '../../src/domain/config';
import { screens } from '../../src/screens';
import { TextDetails } from '../../src/screens/TextDetails';
import { DeckProvider } from '../../src/ui/deckContext';
import { KeyDispatcher } from '../../src/ui/keyDispatcher';
import { keySequence } from '../harness/keys';

// A search's marks are inverse (also under NO_COLOR): they must reach the frames; chalk decides at import time.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

const tick = () => new Promise((r) => setTimeout(r, 20));
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
/** The texts drawn inverse in a frame, and the one also bold (the current match). */
const inverted = (frame: string) =>
  [...frame.matchAll(/\x1b\[7m((?:(?!\x1b\[27m).)*)\x1b\[27m/g)].map((m) => plain(m[1]));
const current = (frame: string) =>
  [...frame.matchAll(/\x1b\[7m\x1b\[1m((?:(?!\x1b\[22m).)*)\x1b\[22m/g)].map((m) => plain(m[1]));

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

/** A details view of `lines`, `width`x`height`, with the console's keymap; `press` takes keymap key names. */
async function details(lines: readonly string[], width: number, height: number) {
  const deck = createDeck({
    services: { repos: { list: async () => ({ rows: [], errors: [] }), details: async () => ({}) as never } },
    config: configSchema.parse({}),
    screens,
    dataDir: '/srv/deck',
    configPath: '/srv/deck/config.yaml',
    readOnly: false,
    noColor: true,
  });
  const r = render(
    <DeckProvider deck={deck}>
      <KeyDispatcher keymap={deck.keymap} onInterrupt={() => {}} onError={(e) => expect.fail(String(e))}>
        <TextDetails lines={lines} width={width} height={height} active onBack={() => {}} />
      </KeyDispatcher>
    </DeckProvider>,
  );
  unmount = r.unmount;
  await tick();
  return {
    rows: () =>
      plain(r.lastFrame() ?? '')
        .split('\n')
        .map((l) => l.trimEnd()),
    frame: () => r.lastFrame() ?? '',
    async press(...keys: string[]) {
      for (const k of keys) {
        r.stdin.write(keySequence(k));
        await tick();
      }
    },
    async type(text: string) {
      r.stdin.write(text);
      await tick();
    },
  };
}

// 12 lines of 50 columns: 3 rows each at width 20 (36 rows wrapped), each row its own text.
const rowsOf = (i: number) => [
  `line ${i} `.padEnd(20, 'a'),
  `line ${i} `.padEnd(20, 'b'),
  `end of ${i}`.padEnd(10, 'c'),
];
const text = Array.from({ length: 12 }, (_, i) => rowsOf(i).join(''));
const wrapped = text.flatMap((_, i) => rowsOf(i));

describe('a text details view with wrap on', () => {
  it('G shows the end of the text: its last row on the view’s last row', async () => {
    const view = await details(text, 20, 8);
    await view.press('w', 'G');
    expect(view.rows()).toEqual(wrapped.slice(-8));
    expect(view.rows().at(-1)).toBe('end of 11c');
  });

  it('j scrolls one row at a time down to the end, and no further', async () => {
    const view = await details(text, 20, 8);
    await view.press('w');
    const tops = [wrapped.indexOf(view.rows()[0])];
    for (let i = 0; i < 30; i++) {
      await view.press('j');
      tops.push(wrapped.indexOf(view.rows()[0]));
    }
    // No row is skipped on the way down, and past the end j changes nothing.
    expect(tops).toEqual([...Array.from({ length: 29 }, (_, i) => i), 28, 28]);
    expect(view.rows()).toEqual(wrapped.slice(-8));
  });

  it('pgdn and ctrl-d page down to the end, every row shown on the way', async () => {
    for (const key of ['pgdn', 'ctrl-d']) {
      const view = await details(text, 20, 8);
      await view.press('w');
      const shown = new Set(view.rows());
      for (let i = 0; i < 5; i++) {
        await view.press(key);
        for (const row of view.rows()) shown.add(row);
      }
      expect(view.rows(), key).toEqual(wrapped.slice(-8));
      expect(
        wrapped.filter((row) => !shown.has(row)),
        key,
      ).toEqual([]);
      unmount?.();
      unmount = undefined;
    }
  });

  it('k from the end goes up one row, not back to where the end would start unwrapped', async () => {
    const view = await details(text, 20, 8);
    await view.press('w', 'G', 'k');
    expect(view.rows()).toEqual(wrapped.slice(27, 35));
  });

  it('w keeps the line on top: on, off and on again', async () => {
    const view = await details(text, 20, 8);
    await view.press('j', 'j', 'j'); // line 3 on top, cut
    expect(view.rows()[0]).toBe('line 3 aaaaaaaaaaaa…');
    await view.press('w');
    expect(view.rows()[0]).toBe(wrapped[9]);
    await view.press('j'); // line 3's second row
    await view.press('w');
    expect(view.rows()[0]).toBe('line 3 aaaaaaaaaaaa…');
  });
});

// 30 lines of filler, then `needle` across the break between a line's two rows at width 20, more filler, and a
// `needle` whole on a row.
const haystack = [
  ...Array.from({ length: 30 }, (_, i) => `filler ${i}`),
  `${'a'.repeat(17)}needle${'b'.repeat(10)}`,
  ...Array.from({ length: 20 }, (_, i) => `more ${i}`),
  'one needle here',
  'last line',
];

// Typed keys are replayed one per tick: what they do is looked for until it shows (`expect.poll`).
describe('searching a text details view (/, n, N)', () => {
  it('finds a match cut by a wrap: shows the row it starts on, marked on both rows; n and N go on and back', async () => {
    const view = await details(haystack, 20, 8);
    await view.press('w', '/');
    await view.type('needle');
    await view.press('enter');
    // The match starts on the line's first row: that row on top, the match inverse where it is on each row.
    await expect.poll(() => view.rows().slice(0, 2)).toEqual(['aaaaaaaaaaaaaaaaanee', 'dlebbbbbbbbbb']);
    await expect.poll(() => inverted(view.frame())).toEqual(['nee', 'dle']);
    expect(current(view.frame())).toEqual(['nee']);
    expect(view.rows().at(-1)).toMatch(/^\/needle +n next/);

    // Near the end the match's row goes as high as the end allows.
    await view.press('n');
    await expect
      .poll(() => view.rows().slice(0, 7))
      .toEqual(['more 15', 'more 16', 'more 17', 'more 18', 'more 19', 'one needle here', 'last line']);
    await expect.poll(() => current(view.frame())).toEqual(['needle']);
    await view.press('N');
    await expect.poll(() => view.rows()[0]).toBe('aaaaaaaaaaaaaaaaanee');
    await expect.poll(() => current(view.frame())).toEqual(['nee']);

    // Esc clears the search first: the marks and the search's line go, the view stays.
    await view.press('esc');
    await expect.poll(() => inverted(view.frame())).toEqual([]);
    expect(view.rows()[0]).toBe('aaaaaaaaaaaaaaaaanee');
    expect(view.rows().at(-1)).toBe('more 5');
  });

  it('searches cut lines too, from the top of the view; a match in sight leaves the view where it is', async () => {
    const view = await details(haystack, 20, 8);
    await view.press('/');
    await view.type('filler 2');
    await view.press('enter');
    await expect.poll(() => current(view.frame())).toEqual(['filler 2']);
    expect(view.rows()[0]).toBe('filler 0');
    await view.press('n');
    await expect.poll(() => view.rows()[0]).toBe('filler 20');
    expect(inverted(view.frame())).toHaveLength(7);
  });

  it('↑ and ↓ at the prompt recall earlier searches, newest first, then what was being typed', async () => {
    const view = await details(haystack, 60, 8);
    const prompt = () => view.rows().at(-1) ?? '';
    await view.press('/');
    await expect.poll(prompt).toMatch(/^\/█ +text · re:regex · Enter find · Esc clear$/);
    for (const text of ['filler 3', 'needle']) {
      await view.type(text);
      await view.press('enter');
      await expect.poll(prompt).toMatch(/n next/);
      await view.press('esc');
      await expect.poll(prompt).not.toMatch(/n next/);
      await view.press('/');
    }
    await expect.poll(prompt).toMatch(/^\/█ +text · re:regex · Enter find · Esc clear · ↑ earlier/);
    await view.type('mo');
    await expect.poll(prompt).toMatch(/^\/mo█/);
    await view.press('up');
    await expect.poll(prompt).toMatch(/^\/needle█/);
    await view.press('up');
    await expect.poll(prompt).toMatch(/^\/filler 3█/);
    await view.press('up');
    await expect.poll(prompt).toMatch(/^\/filler 3█/);
    await view.press('down');
    await expect.poll(prompt).toMatch(/^\/needle█/);
    await view.press('down');
    await expect.poll(prompt).toMatch(/^\/mo█/);
    await view.press('up', 'enter');
    await expect.poll(() => current(view.frame())).toEqual(['needle']);
  });
});
