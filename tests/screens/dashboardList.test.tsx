import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { runFromPalette } from '../harness/paletteRun';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
let bus: Bus | undefined;
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
});

async function start() {
  const made = memoryDeckBus();
  bus = made.bus;
  deck = await startDeck({ bus: made.deckBus, size: { columns: 120, rows: 30 } });
  return deck;
}

/** The row under the cursor: the one line drawn with the `>` mark. */
const cursorLine = (frame: string) => frame.split('\n').find((l) => l.startsWith('> ')) ?? '';
const copied = (d: DeckSession) => {
  const last = d.osc().at(-1) ?? '';
  const m = /^\x1b\]52;c;([A-Za-z0-9+/=]*)\x07$/.exec(last);
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : undefined;
};

describe('the Dashboard as a list', () => {
  it('opens a failed job on the Jobs tab with Enter, and Esc comes back to the Dashboard on the same row', async () => {
    const d = await start();
    await runFromPalette(d, 'sh -c "exit 7"', /failed/);
    await runFromPalette(d, 'sh -c "exit 8"', /failed.*\n.*failed/);
    await d.press('1');
    await d.waitFor('Recent failures (2)');
    // Newest first: the second failure is the first one run.
    await d.press('j');
    expect(cursorLine(d.frame())).toContain("sh -c 'exit 7'");
    await d.press('enter');
    const log = await d.waitFor('FAILED');
    expect(log).toContain('exited with code 7');
    expect(d.store.getState().ui.tab).toBe('jobs');
    await d.press('esc');
    const back = await d.waitFor('Recent failures (2)');
    expect(d.store.getState().ui.tab).toBe('dashboard');
    expect(cursorLine(back)).toContain("sh -c 'exit 7'");
    // The Jobs tab is its list again: y there copies the id of the job under the cursor.
    await d.press('5');
    const jobs = await d.waitFor('PROGRESS');
    await d.press('y');
    expect(copied(d)).toBe(/^> (\S+)/.exec(cursorLine(jobs))?.[1]);
  });

  it('moves into the events with j, opens the job an event names, filters with / and copies with y', async () => {
    const d = await start();
    await runFromPalette(d, 'false', /failed/);
    await runFromPalette(d, 'echo marker-line', /completed/);
    await d.press('1');
    await d.waitFor('job.completed');
    const failed = /^> (\S+)/.exec(cursorLine(d.frame()))?.[1];
    expect(failed).toMatch(/^\d+$/);

    // From the one failure, j lands on the newest event.
    await d.press('j');
    const onEvent = cursorLine(d.frame());
    expect(onEvent).toMatch(/^> \d\d:\d\d:\d\d job\.\w+ \d+ /);
    const eventJob = /job\.\w+ (\d+)/.exec(onEvent)?.[1];
    await d.press('y');
    expect(copied(d)).toBe(eventJob);
    await d.waitFor(`copied ${eventJob} to the clipboard`);
    await d.press('enter');
    await d.waitFor(new RegExp(`^${eventJob}\\s+command`, 'm'));
    expect(d.store.getState().jobs.log?.jobId).toBe(eventJob);

    await d.press('esc', '1', '/');
    await d.type('type:job.queued');
    await d.press('enter');
    const filtered = await d.waitFor('no failure matches the filter');
    const events = filtered.split('\n').filter((l) => /^[> ] \d\d:\d\d:\d\d /.test(l));
    expect(events.length).toBe(2);
    for (const l of events) expect(l).toContain('job.queued');
    // g goes to the first row; with the failure filtered out that is the newest queued event.
    await d.press('G', 'g');
    expect(cursorLine(d.frame())).toContain('job.queued');
  });

  it('lists only keys that work: Enter, / and y under Dashboard, the list keys, and 1-9', async () => {
    const d = await start();
    await d.press('?');
    const help = await d.waitFor('Switch tab');
    expect(help).toMatch(/Enter\s+Open what the row names/);
    expect(help).toMatch(/\/\s+Filter failures and events/);
    expect(help).toMatch(/y\s+Copy the job or resource id/);
    expect(help).toMatch(/1-9\s+Switch tab/);
    expect(help).not.toContain('1-10');
  });
});

describe('the Dashboard names a schedule tick as the Jobs tab does', () => {
  it('shows an event of a tick over Redis as its schedule and time, not as repeat:schedule:NAME:<ms>', async () => {
    const d = await start();
    const tick = new Date(2026, 11, 7, 13, 30).getTime();
    await bus!.events.publish({
      level: 'info',
      type: 'job.queued',
      jobId: `repeat:schedule:nightly-report:${tick}`,
      source: { user: 'schedule:nightly-report', host: 'worker-1' },
      message: 'queued by schedule nightly-report',
      data: { kind: 'command', summary: 'true', maxAttempts: 1 },
    });
    await d.press('1');
    const f = await d.waitFor('queued by schedule nightly-report');
    expect(f).toContain('job.queued nightly-report 12-07 13:30  queued by schedule nightly-report');
    expect(f).not.toContain('repeat:schedule:');
  });
});
