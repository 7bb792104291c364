import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

const columns = 80;
const rows = 24;
let deck: TmuxDeck | undefined;
let workspace: string | undefined;
afterEach(() => {
  deck?.close();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

const schedulesYaml = `# the team's schedules
schedules:
  - name: every-2s # a heartbeat
    cron: "*/2 * * * * *"
    job: { run: ["true"] }
  - name: yearly-fail
    cron: "0 0 1 1 *"
    timezone: Europe/Berlin
    job:
      run: ["false"]
  - name: broken
    cron: "61 * * * *"
    job: { run: ["true"] }
`;

const sgr = (code: string) => `\x1b[${code}m`;

describe.skipIf(!hasTmux)('the Scheduler tab, in a terminal emulator (tmux)', () => {
  it('lists schedules with an error row, runs one now, shows outcomes in colour, pauses one in place, and opens its runs', async () => {
    workspace = mkdtempSync(join(tmpdir(), 'infradeck-scheduler-'));
    writeFileSync(join(workspace, 'schedules.yaml'), schedulesYaml);
    const d = startTmuxDeck(columns, rows, { REDIS_URL: '' }, { workspace });
    deck = d;
    const { screen, until } = d;
    const text = () => screen().join('\n');
    const row = (name: string) => screen().find((l) => l.slice(2).startsWith(`${name} `)) ?? '';
    await until('the first frame', () => screen()[0].includes('1 Dash'));
    // The Dashboard says which schedule runs next.
    await until('the next run on the Dashboard', () => text().includes('Next scheduled run: every-2s in '));

    d.keys('7');
    await until('the schedules', () => row('broken').includes('invalid'));
    expect(screen()[1]).toContain('2 schedules · 1 with errors · run in-process');
    expect(row('every-2s')).toMatch(/every-2s +enabled +\*\/2 \* \* \* \* \* +in \ds/);
    expect(row('yearly-fail')).toMatch(/yearly-fail +enabled +0 0 1 1 \* +in \d+[a-z] +-/);
    // The error row's place and reason, under the table when the cursor is on it.
    d.keys('G');
    await until('the error under the table', () =>
      screen()
        .slice(rows - 4, rows - 2)
        .join(' ')
        .includes('schedules.yaml:12:11: schedules[2].cron'),
    );

    // R asks first, then runs the job now: a failed run, in red.
    d.keys('k', 'R');
    await until('the question', () => text().includes('Run yearly-fail now?'));
    d.keys('y');
    await until('the failed run', () => /yearly-fail .* failed \ds/.test(row('yearly-fail')));
    const coloured = screen(true).find((l) => l.includes('yearly-fail')) ?? '';
    expect(coloured).toContain(`${sgr('31')}failed`);

    // The heartbeat's ticks: green bars in RUNS.
    await until(
      'two ticks of every-2s',
      () => /completed \ds +\S*[▁-█]\S*[▁-█]/.test(row('every-2s')),
      15_000,
    );
    const heartbeat = screen(true).find((l) => l.includes('every-2s')) ?? '';
    expect(heartbeat).toMatch(new RegExp(`${sgr('32').replace('[', '\\[')}[▁▂▃▄▅▆▇█]`));

    // e pauses it: the file says so in place, its comments kept, and no more ticks come.
    d.keys('g', 'e');
    await until('paused', () => row('every-2s').includes(' paused '));
    const file = readFileSync(join(d.dataDir, 'schedules.yaml'), 'utf8');
    expect(file).toBe(
      schedulesYaml.replace(
        '  - name: every-2s # a heartbeat\n',
        '  - name: every-2s # a heartbeat\n    enabled: false\n',
      ),
    );
    const audit = readFileSync(join(d.dataDir, 'audit', 'audit.jsonl'), 'utf8');
    expect(audit).toMatch(
      /"action":"schedule.disable","what":"disable schedule every-2s in [^"]+","outcome":"accepted"/,
    );

    // Enter: its runs, newest first, in the Jobs tab; Enter again: a run with its log; Esc, Esc: back here.
    d.keys('j', 'Enter');
    await until('the runs of yearly-fail', () =>
      text().includes('1 job of schedule yearly-fail, newest first'),
    );
    expect(screen()[0]).toMatch(/5 Jobs/);
    d.keys('Enter');
    await until('the run with its log', () => /command +FAILED/.test(text()));
    d.keys('Escape');
    await until('the runs again', () => text().includes('of schedule yearly-fail'));
    d.keys('Escape');
    await until('the Scheduler again', () => screen()[1].includes('2 schedules'));

    d.keys('q');
    // The pane's program was the console: once it quits, tmux may be gone with it.
    const gone = () => {
      try {
        return !text().includes('Scheduler');
      } catch {
        return true;
      }
    };
    await until('the console gone', gone);
  }, 60_000);
});
