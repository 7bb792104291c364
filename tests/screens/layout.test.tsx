import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
let bus: Bus | undefined;
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
});

describe('every tab at 80x24', () => {
  it('fills the terminal exactly, never wider', async () => {
    const made = memoryDeckBus();
    bus = made.bus;
    deck = await startDeck({ bus: made.deckBus, size: { columns: 80, rows: 24 } });
    await deck.press(':');
    await deck.type(
      `run sh -c "for i in $(seq 1 100); do echo line $i with some long text to be cut at the edge of the terminal; done"`,
    );
    await deck.press('enter');
    await deck.waitFor('completed');
    for (const keys of [['1'], ['2'], ['3'], ['enter'], ['esc', '?']]) {
      await deck.press(...keys);
      const lines = deck.lines();
      expect(lines.length, `after ${keys}`).toBe(24);
      for (const l of lines) expect(stringWidth(l), `after ${keys}: ${l}`).toBeLessThanOrEqual(80);
    }
  });
});
