import { afterEach, describe, expect, it } from 'vitest';
import { consoleFrameDrawn } from '../../bench/lib/consoleFrame.mjs';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

// startup.bench.mjs and schedules.bench.mjs time the console's start-up to this mark and waits for it before it waits for stillness:
// a mark the console no longer draws (the tab bar lost its `infradeck` brand at 120 columns when the tabs grew)
// made every start-up run end in "the console did not settle".
describe('the start-up benchmarks: the first frame of the console', () => {
  it.each([
    [80, 24],
    [120, 35],
    [200, 50],
  ])('is recognised at %ix%i (the benchmark runs at 120x35)', async (columns, rows) => {
    deck = await startDeck({ size: { columns, rows } });
    const frame = await deck.waitFor(/\b\d\d:\d\d\b/);
    expect(consoleFrameDrawn(frame)).toBe(true);
  });

  it('is not the status bar alone, nor a tab bar without its clock', () => {
    expect(consoleFrameDrawn(' /work/data  DEMO  ● in-process workers  08:43')).toBe(false);
    expect(consoleFrameDrawn(' 1 Dashboard 2 Repositories 3 Resources')).toBe(false);
  });
});
