import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { fakePipelines, pipelineWorkspace } from '../state/pipelinesHarness';

let deck: DeckSession | undefined;
let ws: ReturnType<typeof pipelineWorkspace>;

beforeEach(() => {
  ws = pipelineWorkspace([], ['build']);
});

afterEach(() => {
  deck?.unmount();
  deck = undefined;
  ws.remove();
});

describe('Esc and Enter typed in one read (quickly, over ssh, or sent by tmux)', () => {
  it('are Esc, then Enter: the question closes and Enter acts on the row, as typed', async () => {
    deck = await startDeck({
      services: { pipelines: fakePipelines(ws.dir, {}) },
      size: { columns: 120, rows: 30 },
    });
    await deck.press('9');
    await deck.waitFor(/local +- +build +never run/);
    await deck.press('t');
    await deck.waitFor('Run pipeline build now?');
    // Ink reads ESC CR as Enter alone: the question stayed open and took the Enter.
    await deck.paste('\x1b\r');
    await deck.toasted('build: no runs yet (t starts one)');
    expect(deck.frame()).not.toContain('Run pipeline build now?');
    expect(deck.store.getState().ui.overlay).toBeNull();
  });
});
