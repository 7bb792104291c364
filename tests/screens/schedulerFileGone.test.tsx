import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { deckSchedulesFor } from '../../src/services/scheduler/deckSchedules';
import { command } from '../../src/worker/handlers/command';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubDeckBus } from '../harness/stubServices';

const yaml = `schedules:
  - name: nightly
    cron: "30 2 * * *"
    job: { run: [echo, hi] }
  - name: hourly
    cron: "@hourly"
    job: { run: [echo, tick] }
`;

let dir: string;
let bus: Bus | undefined;
let deck: DeckSession | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-sched-gone-'));
  writeFileSync(join(dir, 'schedules.yaml'), yaml);
});
afterEach(async () => {
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  bus = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A job scheduler's pending tick as the Redis queue lists it (BullMQ's id: the scheduler and the tick). */
function pendingTick(name: string, tick: number, status: JobView['status'] = 'delayed'): JobView {
  return {
    id: `repeat:schedule:${name}:${tick}`,
    kind: 'command',
    status,
    createdAt: tick - 60_000,
    schedule: { name, tick },
  } as JobView;
}

describe('the Scheduler tab without schedules.yaml', () => {
  it('over Redis names the schedules the workers still run, registered before the file went', async () => {
    const now = Date.now();
    let asked: unknown;
    const redis = stubDeckBus({
      queue: {
        list: async (filter) => {
          asked = filter?.status;
          return [
            pendingTick('nightly', now + 3_600_000),
            pendingTick('hourly', now - 5_000, 'queued'),
            // A run asked for by a person is no registration.
            { ...pendingTick('nightly', now), id: '77' },
          ];
        },
      },
    });
    deck = await startDeck({
      bus: redis,
      services: { schedules: deckSchedulesFor(dir, { TZ: 'UTC' }) },
      size: { columns: 120, rows: 30 },
    });
    await deck.press('7');
    await deck.waitFor(/nightly\S* +enabled/);
    unlinkSync(join(dir, 'schedules.yaml'));
    await deck.press('r');
    const f = await deck.waitFor(/schedules\.yaml is gone: the workers still run 2 schedules/);
    expect(f).toMatch(
      /^ schedules\.yaml is gone: the workers still run 2 schedules registered before \(hourly, nightly\) · E writes the file/m,
    );
    expect(f).toContain('still run the 2 schedules registered before it went');
    expect(f).not.toMatch(/^ no \//m);
    expect(asked).toEqual(expect.arrayContaining(['delayed', 'queued']));
    // At 80 columns the line above says how many without a name cut short; the text below names them all.
    await deck.resize(80, 24);
    const narrow = await deck.waitFor(
      /^ schedules\.yaml is gone: the workers still run 2 schedules registered before · /m,
    );
    expect(narrow).toMatch(/hourly, nightly\./);
    await deck.waitFor(() =>
      deck!.store
        .getState()
        .ui.toasts.some((t) =>
          t.text.endsWith(
            'there is no such file; the workers still run the 2 schedules registered before (E writes it)',
          ),
        ),
    );
  });

  it('in-process says the scheduler stopped the schedules it had: nothing runs', async () => {
    bus = openMemoryBus({ handlers: { command }, requester: operator, dataDir: dir });
    deck = await startDeck({
      bus: deckBusOf(bus, operator),
      services: { schedules: deckSchedulesFor(dir, { TZ: 'UTC' }) },
      size: { columns: 120, rows: 30 },
    });
    await deck.press('7');
    await deck.waitFor(/nightly\S* +enabled/);
    unlinkSync(join(dir, 'schedules.yaml'));
    await deck.press('r');
    let f = await deck.waitFor(
      /^ schedules\.yaml is gone: its 2 schedules stopped, nothing runs · E writes it/m,
    );
    expect(f).not.toContain('still run');
    // Read again: still the 2 it had, not the 0 of the missing file.
    await deck.press('r');
    await deck.waitFor('there is no such file (E writes it)');
    f = deck.frame();
    expect(f).toContain('its 2 schedules stopped');
    expect(f).toContain('the in-process scheduler follows the file and stopped the 2 schedules it had');
  });
});
