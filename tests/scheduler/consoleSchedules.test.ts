import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

/** The console without Redis runs its workspace's schedules itself: ticks are jobs in its Jobs tab. */
describe.skipIf(!hasTmux)('the console runs its workspace schedules in-process', () => {
  let deck: TmuxDeck | undefined;
  let dir: string | undefined;
  afterEach(() => {
    deck?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a tick becomes a job asked for by schedule:NAME; an invalid schedule is reported, the valid one runs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-console-schedules-'));
    writeFileSync(
      join(dir, 'schedules.yaml'),
      [
        'schedules:',
        '  - name: tick',
        '    cron: "*/2 * * * * *"',
        '    job: { run: [echo, from-a-schedule] }',
        '  - name: broken',
        '    cron: "61 * * * *"',
        '    job: { run: [date] }',
        '',
      ].join('\n'),
    );
    deck = startTmuxDeck(120, 30, { TZ: 'UTC' }, { workspace: dir });
    const d = deck;
    const text = () => d.screen().join('\n');
    await d.until('the console', () => text().includes('1 Dash'), 20_000);
    // The Dashboard's latest events: the file's problem, located.
    await d.until(
      'the invalid schedule reported',
      () => text().includes('schedules[1].cron: minute 61'),
      20_000,
    );
    d.keys('5');
    await d.until(
      'a tick of the schedule in the Jobs tab',
      () => /schedule:tick.*echo from-a-schedule/.test(text()),
      20_000,
    );
    const row = d.screen().find((line) => line.includes('echo from-a-schedule'))!;
    expect(row).toMatch(/command\s+(completed|active|queued)/);
    expect(text()).not.toContain('schedule:broken');
  }, 60_000);
});
