import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

const columns = 80;
const rows = 24;
const exampleWorkspace = join(import.meta.dirname, '..', '..', 'data');

let deck: TmuxDeck | undefined;
let workspace: string | undefined;
afterEach(() => {
  deck?.close();
  deck = undefined;
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

/** A pipeline that fails at its second step: the run is red, and its log says why. */
const brokenYaml = `name: broken
steps:
  - name: prepare
    run: [sh, -c, 'echo preparing']
  - name: verify
    run: [sh, -c, 'echo "verify: 2 checks failed"; exit 2']
    needs: prepare
`;

/** The SGR parameter lists on a captured row: `1;36`, `32`, … */
const sgr = (row: string) => [...row.matchAll(/\x1b\[([0-9;]*)m/g)].map((m) => m[1]);
const colours = (params: string[]) =>
  params.flatMap((p) => p.split(';')).filter((n) => /^(3[0-7]|9[0-7]|4[0-7]|10[0-7]|38|48)$/.test(n));

/** The example workspace and a failing pipeline, copied: runs leave job records in it. */
function copiedWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-pipetab-e2e-'));
  cpSync(exampleWorkspace, dir, { recursive: true, filter: (p) => !/(^|\/)(jobs|schedules\.yaml)$/.test(p) });
  writeFileSync(join(dir, 'pipelines', 'broken.yaml'), brokenYaml);
  return dir;
}

async function runBoth(d: TmuxDeck) {
  const row = (name: string) =>
    d.screen().find((l) => l.slice(2).startsWith(`local  -  `) && l.includes(` ${name} `)) ?? '';
  await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
  d.keys('9');
  await d.until('the local pipelines', () => row('broken').includes('never run') && row('build') !== '');
  d.keys('g', 't');
  await d.until('the question', () => d.screen().join('\n').includes('Run pipeline broken now?'));
  d.keys('y');
  await d.until(
    'the failed run',
    () => / failed +\d+s +(\d+ms|[\d.]+s|\d+m\d+s) /.test(row('broken')),
    15_000,
  );
  d.keys('j', 't');
  await d.until('the question', () => d.screen().join('\n').includes('Run pipeline build now?'));
  d.keys('y');
  await d.until(
    'the passed run',
    () => / passed +\d+s +(\d+ms|[\d.]+s|\d+m\d+s) /.test(row('build')),
    15_000,
  );
  return row;
}

describe.skipIf(!hasTmux)('the Pipelines tab, in a terminal emulator (tmux)', () => {
  it('runs local pipelines at 80x24: statuses in colour, the run’s steps, a failed step’s log', async () => {
    workspace = copiedWorkspace();
    const d = startTmuxDeck(columns, rows, { REDIS_URL: '', TERM: 'tmux-256color' }, { workspace });
    deck = d;
    await runBoth(d);
    // At 80 columns every tab goes by its short name, the active one (inverse) too: no word is cut.
    expect(d.screen()[0]).toContain('9 CI');
    // No local run has a branch (and no repository has a CI host): BRANCH gives its columns to the others.
    expect(d.screen()[2]).toMatch(/SOURCE +REPO +PIPELINE +STATUS +AGE DURATION RUNS/);
    expect(d.screen()[2]).not.toContain('BRANCH');
    const coloured = (name: string) => d.screen(true).find((l) => l.includes(` ${name} `)) ?? '';
    expect(coloured('broken')).toContain('\x1b[31mfailed');
    expect(coloured('build')).toContain('\x1b[32mpassed');
    // RUNS: the sparkline's bar in the outcome's colour.
    expect(coloured('broken')).toMatch(/\x1b\[31m[▁▂▃▄▅▆▇█]/);
    for (const line of d.screen()) expect(line.length).toBeLessThanOrEqual(columns);

    d.keys('k', 'Enter');
    await d.until('the run', () => /local · broken · run \S+ · FAILED/.test(d.screen()[1]));
    await d.until('its steps', () => d.screen().some((l) => /verify +failed/.test(l)));
    expect(d.screen().some((l) => /prepare +passed/.test(l))).toBe(true);
    d.keys('j', 'Enter');
    await d.until('the step log', () => d.screen().some((l) => l.includes('verify: 2 checks failed')));
    expect(d.screen()[1]).toMatch(/› verify · FAILED/);
  });

  it('reads without colour under NO_COLOR: statuses in words, a failed run as ✖ in RUNS', async () => {
    workspace = copiedWorkspace();
    const d = startTmuxDeck(
      columns,
      rows,
      { REDIS_URL: '', TERM: 'xterm-256color', NO_COLOR: '1' },
      { workspace },
    );
    deck = d;
    const row = await runBoth(d);
    expect(row('broken')).toMatch(/broken +failed .*✖/);
    expect(row('build')).toMatch(/build +passed/);
    expect(d.screen(true).flatMap((r) => colours(sgr(r)))).toEqual([]);
    // The cursor row stays visible by inverse video.
    expect(
      d.screen(true).some((r) => sgr(r).some((p) => p.split(';').includes('7')) && r.includes('build')),
    ).toBe(true);
  });
});
