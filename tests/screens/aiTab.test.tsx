import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deckBusOf } from '../../src/openWorkspace';
import { deckAiFor } from '../../src/services/ai/deckAi';
import { operator } from '../harness/memoryDeckBus';
import { startDeck } from '../harness/startDeck';
import { AiWorkspace, lastError, plain } from './aiHarness';

let ws: AiWorkspace | undefined;
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

/** The row of a table that starts with `text` after the gutter. */
const rowOf = (frame: string, text: string) =>
  plain(frame)
    .split('\n')
    .find((l) => l.slice(2).startsWith(text)) ?? '';

describe('the AI tab', () => {
  it('is reached with :ai and lists the experiments; n starts the grid from a form; Enter lists the runs', async () => {
    ws = new AiWorkspace();
    const d = await ws.open();
    d.store.getState().actions.ui.showTab('dashboard');
    await d.press(':');
    await d.type('ai');
    await d.press('enter');
    await d.waitFor(/EXPERIMENT +RUNS +LAST/);
    expect(rowOf(d.frame(), 'slow')).toMatch(/slow +0 +never run +loss min/);
    expect(rowOf(d.frame(), 'tiny-regression')).toMatch(/tiny-regression +0 +never run +val_loss min/);
    expect(d.lines()[0]).toMatch(/0 Time(line)?\s+AI\b/);

    // The cursor on tiny-regression (the files sort by name: slow, tiny-regression).
    await d.press('j', 'n');
    await d.waitFor('Start tiny-regression');
    const form = plain(d.frame());
    expect(form).toMatch(/> lr +0\.1\|0\.01/);
    expect(form).toMatch(/steps +200/);
    expect(form).toMatch(/seed +7/);
    expect(form).toContain('Enter starts 2 runs: lr=0.1 · lr=0.01');
    await d.press('enter');
    await d.waitFor(/2 runs of tiny-regression started: \S+, \S+/);
    await d.waitFor((f) => /tiny-regression +2 +completed/.test(rowOf(f, 'tiny-regression')), 15_000);

    await d.press('enter');
    await d.waitFor(/RUN +STATUS +PARAMS +BEST +TOOK +MAIN METRIC/);
    await d.waitFor(
      (f) =>
        plain(f)
          .split('\n')
          .filter((l) => / completed +lr=0\.0?1 /.test(l)).length === 2,
    );
    // Each row: its best val_loss and a sparkline of it, read from the metrics store.
    await d.waitFor(
      (f) =>
        plain(f)
          .split('\n')
          .filter((l) => / completed +lr=/.test(l))
          .every((l) => /\d\.\d+ +(\d+ms|\d+\.\ds) +[▁▂▃▄▅▆▇█ ]*[▁▂▃▄▅▆▇█]/.test(l)),
      10_000,
    );
    expect(plain(d.frame())).toContain('main metric val_loss (min)');

    // A kept filter on the runs: Esc clears it first, and the runs stay open.
    await d.press('/');
    await d.type('lr=0.01');
    await d.press('enter');
    await d.waitFor(
      (f) =>
        plain(f)
          .split('\n')
          .filter((l) => / completed +lr=/.test(l)).length === 1,
    );
    await d.press('esc');
    await d.waitFor(
      (f) =>
        plain(f)
          .split('\n')
          .filter((l) => / completed +lr=/.test(l)).length === 2,
    );
    expect(plain(d.frame())).toContain('main metric val_loss (min)');
  });

  it('opens a run: the chart of the main metric, m cycles metrics, checkpoints and the log', async () => {
    ws = new AiWorkspace();
    const [id] = await ws.start('tiny-regression', { lr: '0.1' });
    expect(await ws.ended(id)).toBe('completed');
    const d = await ws.open();
    await d.press('j', 'enter');
    await d.waitFor(/completed +lr=0\.1 steps=200 seed=7/);
    await d.press('enter');
    await d.waitFor(`tiny-regression · run ${id} · COMPLETED`);
    await d.waitFor(/val_loss \(1\/4, m next\) · min \S+ · max \S+ · last \S+ at step 200 · 4 points/);
    const chart = plain(d.frame()).split('\n');
    // asciichart's axis with labels, its line, and the step axis under it.
    expect(chart.filter((l) => /\d ┤/.test(l)).length).toBeGreaterThanOrEqual(5);
    expect(chart.some((l) => /[╭╮╰╯─│]/.test(l.replace(/^.*┤/, '')))).toBe(true);
    expect(chart.some((l) => /step +50 .* 200$/.test(l))).toBe(true);
    expect(plain(d.frame())).toMatch(/checkpoint: file:\/\/\S+step-200\.json at step 200/);
    expect(plain(d.frame())).toContain('done: w=');
    // A pane too short for a chart says so (the chart was gone without a word).
    await d.resize(50, 12);
    await d.waitFor('no room for the chart');
    await d.resize(120, 30);
    await d.waitFor('· l log only');

    await d.press('m');
    await d.waitFor(/loss \(2\/4, m next\) · .* · 21 points/);
    await d.press('m', 'm');
    await d.waitFor(/b \(4\/4, m next\)/);
    await d.press('M');
    await d.waitFor(/w \(3\/4, m next\)/);
    // The hint line (over the status bar) says what `l` does now, as the log's line does.
    const hints = () => plain(d.frame()).trimEnd().split('\n').at(-2) ?? '';
    expect(hints()).toMatch(/\bl log only\b/);
    await d.press('l');
    await d.waitFor('l shows the chart');
    expect(
      plain(d.frame())
        .split('\n')
        .some((l) => /\d ┤/.test(l)),
    ).toBe(false);
    expect(hints()).toMatch(/\bl chart\b/);
    expect(hints()).not.toContain('log only');
    await d.press('l');
    await d.waitFor('l log only');
    expect(hints()).toMatch(/\bl log only\b/);
    await d.press('l');
    await d.waitFor('l shows the chart');
    await d.press('esc');
    await d.waitFor(/RUN +STATUS +PARAMS/);
    // Opened again, the run starts with its chart, and the hint says so.
    await d.press('enter');
    await d.waitFor(/val_loss \(1\/4, m next\)|w \(3\/4, m next\)/);
    expect(hints()).toMatch(/\bl log only\b/);
    expect(plain(d.frame())).toContain('· l log only');
    await d.press('esc');
    await d.waitFor(/RUN +STATUS +PARAMS/);
    await d.press('esc');
    await d.waitFor(/EXPERIMENT +RUNS/);
  });

  it('compares selected runs: one chart, a colour per run, the params that differ', async () => {
    ws = new AiWorkspace();
    const ids = await ws.start('tiny-regression');
    for (const id of ids) await ws.ended(id);
    const d = await ws.open();
    await d.press('j', 'enter');
    await d.waitFor(
      (f) =>
        plain(f)
          .split('\n')
          .filter((l) => / completed +lr=/.test(l)).length === 2,
    );
    await d.press('space', 'j', 'space');
    await d.waitFor('2 selected: Enter compares them');
    await d.press('enter');
    await d.waitFor(/Compare 2 runs of tiny-regression · val_loss \(1\/4, m next\)/);
    await d.waitFor((f) => (plain(f).match(/run \S+ completed · lr=0\.0?1 · last/g) ?? []).length === 2);
    const frame = d.frame();
    // One SGR colour per run on the chart's line (cyan, magenta), as in the legend.
    expect(frame).toMatch(/\x1b\[36m[╭╮╰╯─│]/);
    expect(frame).toMatch(/\x1b\[35m[╭╮╰╯─│]/);
    const text = plain(frame);
    expect(text).toMatch(new RegExp(`PARAM +run ${ids[1]} +run ${ids[0]}`));
    expect(text).toMatch(/lr +0\.01 +0\.1/);
    expect(text).toContain('same in every run: steps=200 seed=7');
    await d.press('m');
    await d.waitFor(/· loss \(2\/4, m next\)/);
    await d.press('esc');
    await d.waitFor(/RUN +STATUS +PARAMS/);
  });

  it('draws each compared run with its own marker under NO_COLOR, named in the legend', async () => {
    ws = new AiWorkspace();
    const ids = await ws.start('tiny-regression');
    for (const id of ids) await ws.ended(id);
    const d = await ws.open({ noColor: true });
    await d.press('j', 'enter');
    await d.waitFor((f) => f.split('\n').filter((l) => / completed +lr=/.test(l)).length === 2);
    await d.press('space', 'j', 'space', 'd');
    await d.waitFor((f) => (f.match(/run \S+ completed · lr=0\.0?1 · last/g) ?? []).length === 2);
    const frame = d.frame();
    expect(frame).not.toMatch(/\x1b\[[0-9;]*m/);
    const lines = frame.split('\n');
    expect(lines.some((l) => /^\* run \S+ completed · lr=0\.01/.test(l))).toBe(true);
    expect(lines.some((l) => /^o run \S+ completed · lr=0\.1/.test(l))).toBe(true);
    const plot = lines.filter((l) => /┤/.test(l)).map((l) => l.replace(/^.*?┤/, ''));
    expect(plot.join('')).toContain('*');
    expect(plot.join('')).toContain('o');
    expect(plot.join('')).not.toMatch(/[╭╮╰╯─│]/);
  });

  it('c cancels a running run after asking, R runs it again after asking', async () => {
    ws = new AiWorkspace();
    const d = await ws.open();
    await d.press('enter');
    await d.waitFor(/No runs of slow yet/);
    await d.press('n');
    await d.waitFor('Start slow');
    await d.press('enter');
    const id =
      /run (\S+) of slow started \(steps=0\)/.exec(
        await d.waitFor(/run \S+ of slow started \(steps=0\)/),
      )?.[1] ?? '';
    await d.waitFor((f) => / active +steps=0 /.test(plain(f)));
    await d.press('c');
    await d.waitFor(/Cancel run \S+ of slow\?/);
    await d.press('y');
    await d.waitFor((f) => / cancelled +steps=0 /.test(plain(f)), 8_000);
    expect(await ws.ended(id)).toBe('cancelled');
    await d.press('c');
    await d.waitFor(/is cancelled: nothing to cancel/);
    await d.press('R');
    await d.waitFor(/Run \S+ of slow again\?/);
    expect(plain(d.frame())).toContain('the points of the run so far are dropped');
    await d.press('y');
    await d.waitFor((f) => / active +steps=0 /.test(plain(f)), 8_000);
    await d.press('c', 'y');
    await d.waitFor((f) => / cancelled +steps=0 /.test(plain(f)), 8_000);
  });

  it('refuses n, c and R in read-only mode and says so in the status bar', async () => {
    ws = new AiWorkspace();
    const [id] = await ws.start('slow', { steps: '3' });
    await ws.ended(id);
    const d = await ws.open({ readOnly: true });
    expect(plain(d.frame())).toContain('READ-ONLY');
    await d.press('n');
    await d.waitFor(() => /^start slow: refused: experimentRun job .*read-only mode/.test(lastError(d)));
    await d.press('enter');
    await d.waitFor(/completed +steps=3/);
    await d.press('c');
    await d.waitFor(() => /^cancel: refused, infradeck runs read-only/.test(lastError(d)));
    await d.press('R');
    await d.waitFor(() => /^retry: refused, infradeck runs read-only/.test(lastError(d)));
    expect((await ws.bus.queue.list({ kind: 'experimentRun' })).length).toBe(1);
  });

  it('says an experiment or a run is not there, and ? and the hint line offer only what works there', async () => {
    ws = new AiWorkspace();
    const d = await ws.open({ size: { columns: 160, rows: 60 } });
    // A toast (the missing run's log) would hide the hints.
    const hintLine = async () => {
      d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
      await d.waitFor((f) => f.split('\n').at(-2)?.includes('? help') ?? false);
      return plain(d.lines().at(-2) ?? '');
    };
    const help = async () => {
      await d.press('?');
      const shown = plain(await d.waitFor('Keys of this screen'));
      await d.press('esc');
      return shown;
    };

    await d.press(':');
    await d.type('ai nosuch');
    await d.press('enter');
    await d.waitFor('no experiment "nosuch" in ai/experiments');
    expect(await hintLine()).toMatch(/^Esc back {2}\/ search {2}\? help/);
    const noExperiment = await help();
    expect(noExperiment).toMatch(/\/ +Search: text/);
    expect(noExperiment).not.toMatch(/Start a run|Compare the selected|Cancel the run|Run a failed|Copy the/);
    await d.press('esc');
    await d.waitFor(/EXPERIMENT +RUNS +LAST/);

    d.store.getState().actions.ai.openExperiment('slow');
    await d.waitFor(/RUN +STATUS +PARAMS/);
    void d.store.getState().actions.ai.openRun('nosuch-run');
    await d.waitFor("run nosuch-run: not in the queue's list");
    expect(await hintLine()).toMatch(/^Esc back {2}\/ search {2}\? help/);
    const noRun = await help();
    expect(noRun).toMatch(/\/ +Search: text/);
    expect(noRun).not.toMatch(/Chart the next metric|The log alone|Cancel the run|Run a failed|Copy the/);
    await d.press('esc');
    await d.waitFor(/RUN +STATUS +PARAMS/);
  });

  it("while the experiment files are read, an experiment opened says so and offers Esc, not the runs' keys", async () => {
    ws = new AiWorkspace();
    const files = deckAiFor({ dataDir: ws.dir, env: {} });
    const d = await startDeck({
      bus: deckBusOf(ws.bus, operator),
      services: { ai: { ...files, loadExperiments: () => new Promise(() => {}) } },
      size: { columns: 120, rows: 35 },
    });
    ws.deck = d;
    await d.press(':');
    await d.type('ai slow');
    await d.press('enter');
    await d.waitFor('reading experiments…');
    expect(plain(d.lines().at(-2) ?? '')).toMatch(/^Esc back {2}\/ search {2}\? help/);
    await d.press('esc');
    await d.waitFor(/EXPERIMENT +RUNS/);
    expect(plain(d.lines().at(-2) ?? '')).toMatch(/^Enter runs {2}n new run/);
  });

  it("the start form's hint line says the form's keys, over the experiments and over the runs", async () => {
    ws = new AiWorkspace();
    const d = await ws.open();
    const hintLine = () => plain(d.lines().at(-2) ?? '');
    await d.press('n');
    await d.waitFor('Start slow');
    // The form takes `?` and `:` as text: the hint line does not offer them.
    expect(hintLine().trimEnd()).toBe('Tab next field  Enter start  Esc back');
    await d.press('esc');
    await d.waitFor(/EXPERIMENT +RUNS/);
    expect(hintLine()).toMatch(/^Enter runs {2}n new run/);
    await d.press('enter');
    await d.waitFor(/RUN +STATUS +PARAMS/);
    await d.press('n');
    await d.waitFor('Start slow');
    expect(hintLine()).toMatch(/^Tab next field {2}Enter start {2}Esc back/);
    await d.press('esc');
    await d.waitFor(/RUN +STATUS +PARAMS/);
    expect(hintLine()).toMatch(/^Enter open {2}Space select/);
  });

  it('draws points as they arrive on the open chart of a running run', async () => {
    ws = new AiWorkspace();
    const [id] = await ws.start('slow', { steps: '0' });
    const d = await ws.open();
    await d.press('enter');
    await d.waitFor(/active +steps=0/);
    await d.press('enter');
    await d.waitFor(`slow · run ${id} · ACTIVE`);
    const count = (f: string) => Number(/· (\d+) points? so far/.exec(plain(f))?.[1] ?? -1);
    const first = count(await d.waitFor((f) => count(f) >= 1));
    await d.waitFor((f) => count(f) >= first + 10, 6_000);
    await d.waitFor('slow: at step');
    expect(
      plain(d.frame())
        .split('\n')
        .filter((l) => /\d ┤/.test(l)).length,
    ).toBeGreaterThanOrEqual(3);
    await ws.bus.queue.cancel(id, { user: 'ada', host: 'jump1' });
    await d.waitFor(`slow · run ${id} · CANCELLED`);
  });

  it('fits the run view in 80x24, and fills 200x50 after a resize', async () => {
    ws = new AiWorkspace();
    const [id] = await ws.start('tiny-regression', { lr: '0.1' });
    await ws.ended(id);
    const d = await ws.open({ size: { columns: 80, rows: 24 } });
    await d.press('j', 'enter');
    await d.waitFor(/completed +lr=0\.1 steps=200 seed=7/);
    const table = plain(d.frame()).split('\n');
    const header = table.find((l) => l.includes('STATUS')) ?? '';
    for (const title of ['RUN', 'STATUS', 'PARAMS', 'BEST', 'TOOK', 'MAIN METRIC'])
      expect(header).toContain(title);
    await d.press('enter');
    await d.waitFor(/val_loss \(1\/4, m next\)/);
    const small = plain(d.frame()).split('\n');
    expect(small.length).toBeLessThanOrEqual(24);
    for (const line of small) expect(line.length).toBeLessThanOrEqual(80);
    const smallChart = small.filter((l) => /┤/.test(l));
    expect(smallChart.length).toBeGreaterThanOrEqual(5);
    expect(small.some((l) => l.includes('done: w='))).toBe(true);

    await d.resize(200, 50);
    await d.waitFor(
      (f) =>
        plain(f)
          .split('\n')
          .filter((l) => /┤/.test(l)).length >
        smallChart.length + 10,
    );
    const big = plain(d.frame()).split('\n');
    expect(big.length).toBeLessThanOrEqual(50);
    for (const line of big) expect(line.length).toBeLessThanOrEqual(200);
    expect(Math.max(...big.filter((l) => /┤/.test(l)).map((l) => l.length))).toBeGreaterThan(150);
    await d.resize(80, 24);
    await d.waitFor((f) =>
      plain(f)
        .split('\n')
        .every((l) => l.length <= 80),
    );
  });

  it('cuts a long experiment name and main metric in the middle at 80x24: both ends, and the goal, stay', async () => {
    ws = new AiWorkspace();
    writeFileSync(
      join(ws.dir, 'ai', 'experiments', 'transformer-sweep-with-a-long-name-lr.yaml'),
      'command: [node, ai/slow.mjs, "3"]\nmetric: { name: validation/perplexity_at_context_4096, goal: min }\n',
    );
    const d = await ws.open({ size: { columns: 80, rows: 24 } });
    const row = rowOf(await d.waitFor(/transformer-swe/), 'transformer-swe');
    expect(row).toMatch(/^..transformer-swe\S*…\S*name-lr /);
    expect(row).toMatch(/ validation\S*…\S*4096 min /);
  });

  it('an experiment whose file has errors says its runs cannot start, not that n starts one', async () => {
    ws = new AiWorkspace();
    writeFileSync(
      join(ws.dir, 'ai', 'experiments', 'broken.yaml'),
      'description: [unclosed\ncommand: node\n',
    );
    const d = await ws.open();
    await d.waitFor(/broken +0 +invalid/);
    d.store.getState().actions.ai.openExperiment('broken');
    const f = plain(await d.waitFor('No runs of broken'));
    expect(f).toContain('none can start before its file is fixed');
    expect(f).toMatch(/cannot start: .*broken\.yaml:\d+:\d+/);
    expect(f).not.toMatch(/n starts (one|a run)/);
  });

  it('r says what it read, on the experiments and on the runs: a read that changes nothing still answers', async () => {
    ws = new AiWorkspace();
    writeFileSync(
      join(ws.dir, 'ai', 'experiments', 'broken.yaml'),
      'description: [unclosed\ncommand: node\n',
    );
    const [id] = await ws.start('tiny-regression', { lr: '0.1' });
    await ws.ended(id);
    const d = await ws.open();
    await d.waitFor(/broken +0 +invalid/);
    await d.press('r');
    await d.toasted('read ai/experiments/: 3 files, 1 with errors; 1 run in the queue');
    d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    d.store.getState().actions.ai.openExperiment('tiny-regression');
    await d.waitFor(/RUN +STATUS +PARAMS/);
    await d.press('r');
    await d.toasted('read ai/experiments/: 3 files, 1 with errors; 1 run in the queue');
  });

  it('names the best run of an experiment without params by its id alone', async () => {
    ws = new AiWorkspace();
    writeFileSync(
      join(ws.dir, 'ai', 'experiments', 'bare.yaml'),
      'command: [node, ai/slow.mjs, "3"]\nmetric: loss\n',
    );
    const [id] = await ws.start('bare');
    await ws.ended(id);
    const d = await ws.open();
    d.store.getState().actions.ai.openExperiment('bare');
    const f = plain(await d.waitFor(`best run ${id}`));
    expect(f).not.toContain('best  (run');
  });

  it("R on a completed run's own view says the way to a new run from there (n is the search's next match)", async () => {
    ws = new AiWorkspace();
    const [id] = await ws.start('slow', { steps: '3' });
    await ws.ended(id);
    const d = await ws.open();
    await d.press('enter');
    await d.waitFor(/completed +steps=3/);
    await d.press('enter');
    await d.waitFor(`slow · run ${id} · COMPLETED`);
    await d.press('R');
    await d.waitFor(() => lastError(d) !== '' || /completed: /.test(d.frame()));
    await d.waitFor(`completed: Esc, then n starts a new run`);
  });

  it("keeps a run's id and state, and the metric compared, whole beside a long experiment name at 60x20", async () => {
    ws = new AiWorkspace();
    const name = 'transformer-sweep-with-a-long-name-for-the-lr';
    writeFileSync(
      join(ws.dir, 'ai', 'experiments', `${name}.yaml`),
      'command: [node, ai/slow.mjs, "{steps}"]\ngrid: { steps: [3, 4] }\nmetric: loss\n',
    );
    const ids = await ws.start(name);
    for (const id of ids) await ws.ended(id);
    const d = await ws.open({ size: { columns: 60, rows: 20 } });
    d.store.getState().actions.ai.openExperiment(name);
    await d.waitFor(/completed +steps=3/);
    await d.press('space', 'j', 'space', 'enter');
    const compare = plain(await d.waitFor(/^Compare 2 runs of transf.* · loss \(/m));
    expect(compare.split('\n')[1]).toMatch(/^Compare 2 runs of transf\S*…\S*-lr · loss \(1\/\d, m next\)$/);
    await d.press('esc');
    await d.waitFor(/completed +steps=3/);
    await d.press('enter');
    const run = plain(await d.waitFor(/ · COMPLETED[\s\S]*\nloss \(/));
    expect(run.split('\n')[1]).toMatch(new RegExp(`^transformer\\S*…\\S*-lr · run ${ids[1]} · COMPLETED$`));
    // The metric line drops the values that do not fit rather than cut one (`max 10…`).
    expect(run.split('\n')[3]).toMatch(/^loss \(1\/\d, m next\) · min [\d.]+/);
    expect(run.split('\n')[3]).not.toContain('…');
    for (const line of run.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
  });

  it("says a finished run's points are gone from a damaged metrics store, not that it printed none", async () => {
    ws = new AiWorkspace();
    const [id] = await ws.start('slow', { steps: '3' });
    await ws.ended(id);
    const folder = join(ws.dir, '.cache', 'ai', 'metrics');
    expect(readdirSync(folder)).toContain(`${id}.jsonl`);
    writeFileSync(join(folder, `${id}.jsonl`), 'garbage\n{"torn":\n');
    const d = await ws.open();
    await d.press('enter');
    await d.waitFor(/completed +steps=3/);
    await d.press('enter');
    const f = plain(
      await d.waitFor(/none of its \d+ metric points are in the metrics store \(cleared or damaged\)/),
    );
    expect(f).not.toContain('printed no metric lines');
  });

  it('lists no selection keys on the experiments, where nothing takes several; / and o still work there', async () => {
    ws = new AiWorkspace();
    const d = await ws.open({ size: { columns: 160, rows: 60 } });
    await d.press('?');
    const help = plain(await d.waitFor('Keys of this screen'));
    expect(help).not.toMatch(/\[table\.select\]|\[table\.selectAll\]/);
    expect(help).toMatch(/\/ +Filter: text/);
    expect(help).toMatch(/o +Sort by next column/);
    await d.press('esc');
    await d.press('/');
    await d.type('tiny');
    await d.press('enter');
    await d.waitFor((f) => rowOf(f, 'tiny-regression') !== '' && rowOf(f, 'slow') === '');
  });
});
