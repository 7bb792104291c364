import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const serversYaml = `servers:
${[1, 2, 3, 4].map((n) => `  - name: web-${n}\n    host: 127.0.0.${n}\n    port: 22\n`).join('')}`;

// Each target takes a moment, so the waves can be watched; web-3 fails and stops the batch before web-4.
const rollYaml = `targets:
  servers: [web-1, web-2, web-3, web-4]
action:
  local: [sh, -c, 'sleep 0.4; echo "done on $INFRADECK_TARGET"; test "$INFRADECK_TARGET" != web-3']
serial: 1
timeout: 30s
`;

const sgr = (code: string) => `\x1b[${code}m`;

describe.skipIf(!hasTmux)('the Batch tab, in a terminal emulator (tmux)', () => {
  it('starts a local batch, shows its waves, stops at the failed target, retries it, and quits cleanly', async () => {
    workspace = mkdtempSync(join(tmpdir(), 'infradeck-batch-'));
    writeFileSync(join(workspace, 'servers.yaml'), serversYaml);
    mkdirSync(join(workspace, 'batches'));
    writeFileSync(join(workspace, 'batches', 'roll.yaml'), rollYaml);
    const d = startTmuxDeck(columns, rows, { REDIS_URL: '' }, { workspace, shell: true });
    deck = d;
    const { screen, until } = d;
    const text = () => screen().join('\n');
    await until('the first frame', () => text().includes('1 Dash'));

    d.keys('8');
    await until('the defined batch', () => /roll +defined +-\/4/.test(text()));
    expect(text()).toContain('0 runs · 1 in batches/: Enter or s starts one · n ad hoc');
    expect(text()).toContain('roll.yaml: 4 targets in 4 waves');

    // Enter asks with the plan; y starts it and opens the run.
    d.keys('Enter');
    await until('the question', () => text().includes('Start batch roll?'));
    expect(text()).toContain('wave 4: web-4 (1)');
    d.keys('y');
    await until('a wave running', () => /RUNNING · wave [1-3]\/4/.test(text()));
    await until('wave 3 stopped it', () =>
      text().includes('FAILED · wave 3/4 · 2 ok · 1 failed · 1 skipped'),
    );
    expect(text()).toMatch(/wave 3 .* 1 failed +stopped the batch/);
    expect(text()).toMatch(/wave 4 .* 1 skipped +never ran/);
    expect(text()).toMatch(/web-3 +3 failed +1 +\S+ +done on web-3/);
    // Failed in red, ok in green.
    const coloured = screen(true).join('\n');
    expect(coloured).toContain(`${sgr('31')}failed`);
    expect(coloured).toContain(`${sgr('32')}ok`);

    // Enter on web-3: its output; Esc back to the run.
    d.keys('j', 'j', 'Enter');
    await until('the output', () => text().includes('roll › web-3 · wave 3 · FAILED · exit 1'));
    expect(text()).toContain('done on web-3');
    d.keys('Escape');
    await until('the run again', () => text().includes('LAST OUTPUT'));

    // R retries the failed target only, as a new run.
    d.keys('R');
    await until('the retry question', () => text().includes('Retry the failed targets of roll'));
    expect(text()).toContain('wave 1: web-3 (1)');
    d.keys('y');
    await until('the retry ran', () => text().includes('FAILED · wave 1/1 · 1 failed'));

    // Esc: both runs, newest first; q leaves the shell as it was.
    d.keys('Escape');
    await until('the runs', () => text().includes('2 runs'));
    const lines = screen().filter((l) => /^. roll +failed/.test(l));
    expect(lines[0]).toMatch(/roll +failed +1\/1 +0 +1 +0/);
    expect(lines[1]).toMatch(/roll +failed +3\/4 +2 +1 +1/);
    d.keys('q');
    await until('the shell', () => text().includes('BEFORE'));
    expect(text()).not.toContain('Batch');
  }, 40_000);
});
