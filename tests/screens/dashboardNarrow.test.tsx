import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { deckSchedulesFor } from '../../src/services/scheduler/deckSchedules';
import { command } from '../../src/worker/handlers/command';
import { operator } from '../harness/memoryDeckBus';
import { runFromPalette } from '../harness/paletteRun';
import { type DeckSession, startDeck } from '../harness/startDeck';

let dir: string;
let bus: Bus | undefined;
let deck: DeckSession | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-dashboard-narrow-'));
  writeFileSync(
    join(dir, 'schedules.yaml'),
    'schedules:\n  - name: scan-europe\n    cron: "15 7 * * *"\n    timezone: Europe/Berlin\n    job: { run: [echo, hi] }\n',
  );
});
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openDashboard(columns: number) {
  bus = openMemoryBus({ handlers: { command }, requester: operator, dataDir: dir });
  deck = await startDeck({
    bus: deckBusOf(bus, operator),
    services: { schedules: deckSchedulesFor(dir, { TZ: 'UTC' }) },
    size: { columns, rows: 24 },
  });
  return deck;
}

describe('the Dashboard on a narrow terminal', () => {
  it("keeps each level's peak and the next run's time whole at 60 columns (the bars and the zone give way)", async () => {
    const d = await openDashboard(120);
    for (let i = 0; i < 4; i++)
      await runFromPalette(d, `sh -c "exit ${i + 1}"`, new RegExp(`job ${i + 1} failed|failed.*${i + 1}`));
    await d.press('1');
    await d.waitFor('Next scheduled run: scan-europe in');
    for (const width of [80, 60, 50]) {
      await d.resize(width, 24);
      const f = await d.waitFor((frame) => frame.split('\n')[0].length <= width && frame.includes('error '));
      for (const level of ['info', 'warn', 'error']) {
        const line = f.split('\n').find((l) => l.startsWith(`  ${level} `)) ?? '';
        expect(line, `${level} at ${width}`).toMatch(/ peak \d+$/);
      }
      // The workers' heading reads whole at 80 (it was cut at `when Redis is u…`).
      if (width === 80)
        expect(f).toMatch(
          /^Workers: in-process \(no REDIS_URL; with Redis, `infradeck worker` adds more\)$/m,
        );
      const next = f.split('\n').find((l) => l.startsWith('Next scheduled run:')) ?? '';
      expect(next, `at ${width}`).toMatch(
        /^Next scheduled run: scan-europe in \d+\w+( \(\d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin\))?$/,
      );
    }
  });

  it('says in the headings that a kept / filter hides rows, and how many it shows', async () => {
    const d = await openDashboard(100);
    await runFromPalette(d, 'sh -c "exit 7"', /failed/);
    await runFromPalette(d, 'echo marker-line', /completed/);
    await d.press('1', '/');
    await d.type('type:job.queued');
    await d.press('enter');
    const f = await d.waitFor('no failure matches the filter');
    expect(f).toMatch(/^Recent failures \(1\) · 0 match the filter$/m);
    expect(f).toMatch(
      /^Latest events, newest first · 2 of \d+ match the filter type:job\.queued \(Esc clears\)$/m,
    );
    await d.press('esc');
    const cleared = await d.waitFor((frame) => !frame.includes('match the filter'));
    expect(cleared).toMatch(/^Recent failures \(1\)$/m);
    expect(cleared).toMatch(/^Latest events, newest first$/m);
  });
});
