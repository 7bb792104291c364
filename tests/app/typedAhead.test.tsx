import { afterEach, describe, expect, it } from 'vitest';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
afterEach(() => {
  deck?.unmount();
  deck = undefined;
});

describe('keys typed ahead of the next frame', () => {
  it(': and a command in two reads: the command is typed whole', async () => {
    deck = await startDeck({ size: { columns: 100, rows: 30 } });
    void deck.paste(':');
    await deck.paste('jobs');
    await deck.waitFor(/:jobs/);
    expect(deck.frame()).not.toMatch(/:obs\b/);
  });

  it('/ and a filter in two reads: the filter is typed whole', async () => {
    deck = await startDeck({ size: { columns: 100, rows: 30 } });
    await deck.press('5');
    void deck.paste('/');
    await deck.paste('failed');
    await deck.waitFor(/\/failed/);
  });

  it('two Escapes in one read are two Escapes: the help closes and the kept filter clears', async () => {
    deck = await startDeck({ size: { columns: 100, rows: 30 } });
    await deck.press('5');
    await deck.press('/');
    await deck.type('nothing-matches-this');
    await deck.press('enter');
    await deck.waitFor(/nothing-matches-this/);
    await deck.press('?');
    await deck.waitFor(/Keys/);
    // The help closes on the first, the kept filter clears on the second.
    await deck.paste('\x1b\x1b');
    await deck.waitFor((f) => !/nothing-matches-this/.test(f));
  });

  it('a Ctrl key in a read with other keys is that Ctrl key: Ctrl-U then text replaces what was typed', async () => {
    deck = await startDeck({ size: { columns: 100, rows: 30 } });
    await deck.press(':');
    await deck.type('abc');
    await deck.waitFor(/:abc/);
    await deck.paste('\x15xyz');
    await deck.waitFor(/:xyz/);
    expect(deck.frame()).not.toMatch(/:abcxyz/);
  });

  it('Esc and a tab key in one read are Esc, then that tab (Ink reads ESC 4 as Alt-4, which nothing binds)', async () => {
    deck = await startDeck({ size: { columns: 100, rows: 30 } });
    await deck.press('?');
    await deck.waitFor(/Keys/);
    await deck.paste('\x1b4');
    await deck.waitFor((f) => /^infradeck .*\[?4 Deployments/m.test(f) || /projects? ·/.test(f));
    expect(deck.store.getState().ui.tab).toBe('deployments');
  });

  it("an input's Alt-B is still Alt-B: the cursor goes back a word, no Esc closes the palette", async () => {
    deck = await startDeck({ size: { columns: 100, rows: 30 } });
    await deck.press(':');
    await deck.type('run echo');
    await deck.paste('\x1bb');
    await deck.type('X');
    await deck.waitFor(/:run Xecho/);
  });
});
