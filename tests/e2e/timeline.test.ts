import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

let deck: TmuxDeck | undefined;
let workspace: string | undefined;
afterEach(() => {
  deck?.close();
  deck = undefined;
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

/** A schedule that fails every 2 seconds: ticks on the schedules lane, failures (✖) on jobs and errors. */
const schedulesYaml = `schedules:
  - name: flaky
    cron: "*/2 * * * * *"
    job: { run: [sh, -c, 'echo "ERROR db timeout after 30s"; exit 3'] }
`;

/** The SGR parameter lists on a captured row: `1;36`, `31`, … */
const sgr = (row: string) => [...row.matchAll(/\x1b\[([0-9;]*)m/g)].map((m) => m[1]);
const colours = (params: string[]) =>
  params.flatMap((p) => p.split(';')).filter((n) => /^(3[0-7]|9[0-7]|4[0-7]|10[0-7]|38|48)$/.test(n));
const inverse = (row: string) => sgr(row).some((p) => p.split(';').includes('7'));

async function openTimeline(env: Record<string, string>, columns = 80, rows = 24) {
  workspace = mkdtempSync(join(tmpdir(), 'infradeck-timetab-e2e-'));
  writeFileSync(join(workspace, 'schedules.yaml'), schedulesYaml);
  const d = startTmuxDeck(columns, rows, { REDIS_URL: '', TERM: 'xterm-256color', ...env }, { workspace });
  deck = d;
  await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
  d.keys(':', 'timeline', 'Enter');
  const lane = (title: string) => d.screen().find((l) => l.startsWith(`${title} `)) ?? '';
  await d.until(
    'failed ticks on the jobs lane',
    () => lane('jobs').includes('✖') && lane('schedules') !== '',
    20_000,
  );
  return { d, lane };
}

describe.skipIf(!hasTmux)('the Timeline tab, in a terminal emulator (tmux)', () => {
  it('draws live lanes in colour, moves the cursor, pins, survives resizes and quits', async () => {
    const { d, lane } = await openTimeline({});
    expect(d.screen()[1]).toMatch(/^ 1h · .* → now · LIVE · /);
    // Failures in red on the lanes.
    const jobsRow = d.screen(true).find((l) => l.includes('jobs ')) ?? '';
    expect(jobsRow).toMatch(/\x1b\[31m[^\x1b]*✖/);
    expect(lane('errors')).toContain('✖');

    // A minute a screen: the ticks 2 s apart stand apart; the cursor is an inverse column.
    d.keys('+', '+', '+');
    await d.until('the 1m window', () => d.screen()[1].startsWith(' 1m · '));
    d.keys('Left');
    await d.until('the cursor footer', () =>
      d.screen().some((l) => /^ cursor \d\d:\d\d:\d\d · events\/s/.test(l)),
    );
    expect(d.screen(true).some((l) => l.includes('jobs ') && inverse(l))).toBe(true);
    // What the job runs (its queued summary) names it beside its start or failure.
    await d.until('the job of the schedule at the cursor', () =>
      d.screen().some((l) => /^[▸ ]jobs +\d\d:\d\d:\d\d (✖ )?command sh -c .*schedule:flaky/.test(l)),
    );

    d.keys('p');
    await d.until('the pin list', () => d.screen()[1].includes('Pins (1)'));
    const file = join(d.dataDir, '.cache', 'timeline-pins.json');
    await d.until('the pins file', () => existsSync(file));
    expect(JSON.parse(readFileSync(file, 'utf8')).pins).toHaveLength(1);

    for (const [columns, rows] of [
      [120, 35],
      [200, 50],
      [80, 24],
    ]) {
      d.tmux('resize-window', '-t', 'deck', '-x', String(columns), '-y', String(rows));
      await d.until(`a frame at ${columns}x${rows}`, () => {
        const s = d.screen();
        return s.length === rows && s[1].startsWith(' 1m · ') && s.some((l) => l.startsWith('jobs '));
      });
      for (const l of d.screen()) expect([...l].length).toBeLessThanOrEqual(columns);
    }
    d.keys('q');
    await d.until('the console to quit', () => {
      try {
        d.screen();
        return false;
      } catch {
        return true;
      }
    });
  });

  it('reads without colour under NO_COLOR: the cursor stays visible by inverse video', async () => {
    const { d } = await openTimeline({ NO_COLOR: '1' });
    d.keys('Left');
    await d.until('the cursor footer', () => d.screen().some((l) => l.startsWith(' cursor ')));
    const screen = d.screen(true);
    expect(screen.flatMap((r) => colours(sgr(r)))).toEqual([]);
    expect(screen.some((l) => l.includes('jobs ') && inverse(l))).toBe(true);
    expect(d.screen().find((l) => l.startsWith('jobs '))).toContain('✖');
  });
});
