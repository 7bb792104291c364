import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubDeckBus } from '../harness/stubServices';
import { incidentEvents, type TimelineWorkspace, timelineWorkspace } from './timelineHarness';

let deck: DeckSession | undefined;
let bus: Bus | undefined;
let ws: TimelineWorkspace | undefined;
afterEach(async () => {
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  bus = undefined;
  ws?.remove();
  ws = undefined;
});

const cursorLine = (frame: string) => frame.split('\n').find((l) => l.startsWith('> ')) ?? '';
/** The Timeline footer's line for the lane at the cursor. */
const footerAt = (frame: string) => frame.split('\n').find((l) => l.startsWith('▸')) ?? '';

describe('Esc on what Enter opened on another tab', () => {
  it('goes back to the Timeline with its cursor where it was', async () => {
    const now = Date.now();
    ws = timelineWorkspace(() => incidentEvents(now));
    deck = await startDeck({
      size: { columns: 80, rows: 24 },
      bus: stubDeckBus(),
      services: { timeline: ws.services },
    });
    const d = deck;
    await d.press('0');
    await d.waitFor('events/s');
    for (let i = 0; i < 120 && !footerAt(d.frame()).startsWith('▸deploys'); i++) await d.press('left');
    const footer = footerAt(d.frame());
    expect(footer).toMatch(/^▸deploys +\d\d:\d\d:\d\d queued deploy shop \(d-1\) · ada@jump1 · job 101/);
    await d.press('enter');
    await d.waitFor(() => d.store.getState().ui.tab === 'jobs');
    expect(d.store.getState().jobs.log?.jobId).toBe('101');
    await d.press('esc');
    const back = await d.waitFor('events/s');
    expect(d.store.getState().ui.tab).toBe('timeline');
    expect(footerAt(back)).toBe(footer);
    expect(d.store.getState().jobs.log).toBeUndefined();
  });

  it('stays on the tab once another tab was shown in between (the way back was the tab key)', async () => {
    const made = memoryDeckBus();
    bus = made.bus;
    deck = await startDeck({ bus: made.deckBus, size: { columns: 120, rows: 30 } });
    const d = deck;
    await d.press(':');
    await d.type('run sh -c "exit 7"');
    await d.press('enter');
    await d.waitFor('failed');
    await d.press('1');
    await d.waitFor('Recent failures (1)');
    expect(cursorLine(d.frame())).toContain("sh -c 'exit 7'");
    await d.press('enter');
    await d.waitFor('FAILED');
    await d.press('3', '5');
    await d.waitFor('FAILED');
    await d.press('esc');
    await d.waitFor('PROGRESS');
    expect(d.store.getState().ui.tab).toBe('jobs');
  });
});
