import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { memoryDeckBus, operator } from '../harness/memoryDeckBus';
import { runFromPalette } from '../harness/paletteRun';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
let bus: Bus | undefined;
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
});

async function start(opts: { readOnly?: boolean } = {}) {
  const made = memoryDeckBus();
  bus = made.bus;
  deck = await startDeck({ bus: made.deckBus, size: { columns: 140, rows: 30 }, ...opts });
  return deck;
}

function processAlive(pattern: string): boolean {
  try {
    execFileSync('pgrep', ['-f', pattern]);
    return true;
  } catch {
    return false;
  }
}

/** `:run …` from the palette; returns once the Jobs table is on screen. */
async function run(d: DeckSession, line: string) {
  await runFromPalette(d, line, 'PROGRESS');
}

/** The key hint line, once the toasts above it are gone (they last 5 s). */
async function hints(d: DeckSession): Promise<string> {
  d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
  const frame = await d.waitFor((f) => f.includes('Esc back'));
  return frame.split('\n').find((l) => l.includes('Esc back')) ?? '';
}

describe('the Jobs screen', () => {
  it('offers no selection (every action takes one job): Space and Ctrl-A do nothing, ? lists neither', async () => {
    const d = await start();
    await run(d, 'true');
    await d.waitFor('completed');
    await d.press('space', 'ctrl-a');
    await d.press('o');
    const sorted = await d.waitFor(/ID ▲/);
    expect(sorted).not.toMatch(/^● /m);
    await d.press('?');
    const help = await d.waitFor('Reverse sort');
    expect(help).toMatch(/\/ +Filter/);
    expect(help).not.toMatch(/Select row|Select all/);
  });

  it('counts what a / filter shows in its summary: 1 of 2 jobs', async () => {
    const d = await start();
    await run(d, 'true');
    await run(d, 'echo counted');
    await d.waitFor(/2 jobs run in-process/);
    await d.press('/');
    await d.type('counted');
    await d.press('enter');
    await d.waitFor('1 of 2 jobs');
  });

  it('runs a command from the palette and shows its live log', async () => {
    const d = await start();
    await run(d, 'sh -c "echo hello from the worker; echo warn >&2"');
    await d.waitFor('completed');
    const list = d.frame();
    expect(list).toContain("sh -c 'echo hello from the worker; echo warn >&2'");
    expect(list).toMatch(/completed\s+█+ done\s+1\/1\s+ada/);
    await d.press('enter');
    const log = await d.waitFor('hello from the worker');
    expect(log).toContain('warn');
    expect(log).toContain('exitCode: 0');
    await d.press('esc');
    await d.waitFor('PROGRESS');
  });

  it('puts the cursor on the job :run just queued, so Enter opens it and not the row it was on', async () => {
    const d = await start();
    await run(d, 'echo first');
    await run(d, 'echo second');
    await d.waitFor((f) => (f.match(/ completed /g) ?? []).length === 2);
    // The cursor on the newest job, then on the older one: a new job comes in above either.
    for (const moves of [[], ['j']]) {
      await d.press(...moves);
      const jobs = (await bus!.queue.list()).length;
      await d.waitFor(`${1 + moves.length}/${jobs}`);
      await run(d, `sh -c "sleep 2; echo done ${jobs + 1}"`);
      await d.waitFor(`1/${jobs + 1}`);
      d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
      const [queued] = await bus!.queue.list();
      await d.press('enter');
      await d.waitFor(`sh -c 'sleep 2; echo done ${jobs + 1}'`);
      expect(d.frame()).toMatch(new RegExp(`^${queued.id}  command  `, 'm'));
      await d.press('esc');
      await d.waitFor('PROGRESS');
    }
  });

  it('moves the cursor onto the job :run queued once: a key moves it on from there', async () => {
    const d = await start();
    await run(d, 'echo first');
    await run(d, 'sh -c "sleep 0.3; echo second"');
    await d.waitFor('1/2');
    await d.press('j');
    await d.waitFor('2/2');
    // The job's events (started, completed) draw the table again: the cursor stays where the key put it.
    await d.waitFor((f) => (f.match(/ completed /g) ?? []).length === 2);
    expect(d.frame()).toContain('2/2');
    expect(d.store.getState().jobs.lastQueued).toBeUndefined();
  });

  it('masks a secret in the queued message of :run', async () => {
    const d = await start();
    await run(d, 'sh -c "echo AKIAIOSFODNN7EXAMPLE"');
    const frame = await d.waitFor('queued job');
    const toast = frame.split('\n').find((l) => l.includes('queued job')) ?? '';
    expect(toast).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(toast).toMatch(/queued job \S+: sh -c echo AKIA\*+/);
  });

  it('cancels a running command after asking, and its process is gone', async () => {
    const d = await start();
    await run(d, 'sleep 37.125');
    await d.waitFor('active');
    expect(processAlive('sleep 37.125')).toBe(true);
    await d.press('c');
    await d.waitFor('Cancel job');
    await d.press('y');
    await d.waitFor('cancelled');
    for (let i = 0; i < 50 && processAlive('sleep 37.125'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(processAlive('sleep 37.125')).toBe(false);
  });

  it('does nothing when the cancel is not confirmed', async () => {
    const d = await start();
    await run(d, 'sleep 38.25');
    await d.waitFor('active');
    await d.press('c');
    await d.waitFor('Cancel job');
    await d.press('n');
    await new Promise((r) => setTimeout(r, 200));
    expect(d.frame()).toContain('active');
    expect(processAlive('sleep 38.25')).toBe(true);
    await d.press('c', 'y');
    await d.waitFor('cancelled');
  });

  it('retries a failed job after asking', async () => {
    const d = await start();
    await run(d, 'sh -c "echo nope; exit 3"');
    await d.waitFor('failed');
    expect(d.frame()).toMatch(/exit(ed)? (with )?(code )?3/);
    await d.press('R');
    await d.waitFor('Retry job');
    await d.press('y');
    await d.toasted('queued again');
    const jobs = await bus!.queue.list();
    await d.waitFor('failed');
    expect(jobs).toHaveLength(1);
    const audit = await bus!.audit.list();
    expect(audit.map((a) => a.action)).toContain('job.retry');
  });

  it("lists every attempt of a retried job in the job's view", async () => {
    const d = await start();
    await run(d, 'sh -c "echo try; exit 3"');
    await d.waitFor('failed');
    await d.press('R');
    await d.waitFor('Retry job');
    await d.press('y');
    await d.toasted('queued again');
    await d.press('enter');
    // The first attempt's "failed" is on screen already: wait for the second attempt's own end.
    const view = await d.waitFor(/#2 {2}try 1\/1 {2}\d\d:\d\d:\d\d {2}failed after/);
    expect(view).toMatch(
      /#1 {2}try 1\/1 {2}\d\d:\d\d:\d\d {2}failed after \S+ {2}on \S+ {2}sh exited with code 3/,
    );
    expect(view).toMatch(/#2 {2}try 1\/1 {2}\d\d:\d\d:\d\d {2}failed after/);
    // Output of both attempts, and the keys of a job that can be retried (no cancel, no follow).
    expect(view.match(/^try\s*$/gm)).toHaveLength(2);
    expect(await hints(d)).toMatch(/R retry {2}w wrap {2}→ right.*Esc back {2}\/ search/);
    expect(d.frame()).not.toContain('G follow');
  });

  it("a job retried from its open view shows the new run's output as it comes (numbered from 1 again)", async () => {
    const d = await start();
    await run(d, 'sh -c "echo try-$(date +%s%N); exit 3"');
    await d.waitFor('failed');
    await d.press('enter');
    await d.waitFor(/#1 {2}try 1\/1 .*failed after/);
    await d.press('R');
    await d.waitFor('Retry job');
    await d.press('y');
    // The second run's line has the first's numbers (attempt 1, line 0): it still shows, live.
    const view = await d.waitFor((f) => (f.match(/^try-\d+\s*$/gm) ?? []).length === 2, 10_000);
    expect(view).toMatch(/#2 {2}try 1\/1/);
  });

  it('a running job without output says none came yet, and offers cancel and follow', async () => {
    const d = await start();
    await run(d, 'sleep 39.5');
    await d.waitFor('active');
    await d.press('enter');
    const view = await d.waitFor('no output yet');
    expect(view).toMatch(/#1 {2}try 1\/1 {2}\d\d:\d\d:\d\d {2}running for/);
    expect(await hints(d)).toMatch(/c cancel {2}G follow {2}w wrap.*Esc back {2}\/ search/);
    expect(view).toContain('following');
    await d.press('c', 'y');
    // Once it has ended, no more output will come.
    const ended = await d.waitFor(/CANCELLED/);
    expect(ended).toMatch(/^no output\s*$/m);
    expect(await hints(d)).toMatch(/R retry {2}w wrap.*Esc back {2}\/ search/);
  });

  it('filters jobs by status with f and :jobs <status>', async () => {
    const d = await start();
    await run(d, 'true');
    await d.waitFor('completed');
    await run(d, 'false');
    await d.waitFor('failed');
    await d.press('f'); // queued
    await d.waitFor('No job queued');
    await d.press(':');
    await d.type('jobs failed');
    await d.press('enter');
    const f = await d.waitFor('1 of 2 jobs failed');
    expect(f).not.toContain(' true');
    await d.press(':');
    await d.type('jobs nonsense');
    await d.press('enter');
    await d.waitFor(':jobs nonsense: not a status');
  });

  it('refuses to run anything in read-only mode', async () => {
    const d = await start({ readOnly: true });
    await run(d, 'touch /tmp/should-not-exist');
    await d.waitFor('read-only');
    expect(await bus!.queue.list()).toHaveLength(0);
  });

  it('shows escape sequences in command output safely', async () => {
    const d = await start();
    await run(d, 'printf "\\033[2J\\033[31mred\\033[0m \\033]0;title\\007done\\n"');
    await d.waitFor('completed');
    await d.press('enter');
    const f = await d.waitFor('red done');
    expect(f).not.toContain('\x1b[2J');
    expect(f).not.toContain('\x1b]0;');
  });

  it('the log of a job the queue no longer holds offers no cancel, retry or follow, in the hints and in ?', async () => {
    const d = await start();
    d.store.getState().actions.ui.showTab('jobs');
    // A job's log opened from an event of a job that has since left the queue.
    await d.store.getState().actions.jobs.openLog('4711');
    await d.waitFor('job 4711');
    const line = await hints(d);
    expect(line).toMatch(/^w wrap .*y copy id {2}Esc back {2}\/ search/);
    expect(line).not.toMatch(/cancel|retry|follow/);
    await d.press('?');
    const help = await d.waitFor('Keys of this screen');
    expect(help).toMatch(/y +Copy the job id/);
    expect(help).not.toMatch(/Cancel \(asks first\)|Retry a failed job/);
  });

  it('the log of a job the queue does not hold says why, and neither waits for output nor follows', async () => {
    const d = await start();
    d.store.getState().actions.ui.showTab('jobs');
    await d.store.getState().actions.jobs.openLog('4711');
    const f = await d.waitFor('job 4711: not in the queue (finished jobs are removed after a while)');
    expect(f).toMatch(/^no output$/m);
    expect(f).not.toContain('no output yet');
    expect(f).toMatch(/0 lines · end/);
    await d.press('esc');
    await d.waitFor('PROGRESS');
  });
});

describe('the Dashboard', () => {
  it('shows the workers, jobs by status, recent failures and the latest events', async () => {
    const d = await start();
    await run(d, 'sh -c "exit 7"');
    await d.waitFor('failed');
    await d.press('1');
    const f = await d.waitFor('Recent failures (1)');
    expect(f).toContain('Workers: in-process');
    expect(f).toMatch(/failed 1/);
    expect(f).toContain("sh -c 'exit 7'");
    expect(f).toContain('job.failed');
    expect(f).toMatch(/error\s+▁*[▂▃▄▅▆▇█]/); // the failure shows on the error sparkline
  });

  it('does not tell, as if new, a failure from before the console opened (the bus replays what it kept)', async () => {
    const made = memoryDeckBus();
    bus = made.bus;
    const before = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'sh', args: ['-c', 'exit 5'], shell: false },
      requestedBy: operator,
    });
    for (let i = 0; i < 200 && (await bus.queue.get(before))?.status !== 'failed'; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await bus.queue.get(before))?.status).toBe('failed');
    // Later: the console opens, on the same workspace's bus.
    await new Promise((r) => setTimeout(r, 20));
    deck = await startDeck({ bus: made.deckBus, size: { columns: 140, rows: 30 } });
    const d = deck;
    await d.press('5');
    await d.waitFor((f) => f.includes(`${before} `) && f.includes('failed'));
    const told = () =>
      d.store
        .getState()
        .ui.messages.map((m) => m.text)
        .join('\n');
    expect(told()).not.toContain(`job ${before} failed`);
    // One that fails now is told.
    await run(d, 'sh -c "exit 3"');
    await d.waitFor(/✗ job \S+ failed: sh -c 'exit 3': .*3/, 8000);
    expect(told()).not.toContain(`job ${before} failed`);
  });

  it("says on the message line when a job this user asked for fails, not another's nor a retry", async () => {
    const d = await start();
    // Another user's job fails: their console tells them, not this one.
    const theirs = await bus!.queue.enqueue({
      kind: 'command',
      payload: { program: 'sh', args: ['-c', 'exit 4'], shell: false },
      requestedBy: { user: 'grace', host: 'jump2' },
    });
    await d.waitFor((f) => f.includes(theirs) && f.includes('failed'), 8000);
    expect(
      d.store
        .getState()
        .ui.messages.map((m) => m.text)
        .join('\n'),
    ).not.toContain(`job ${theirs}`);
    await run(d, 'sh -c "exit 3"');
    const f = await d.waitFor(/✗ job \S+ failed: sh -c 'exit 3': .*3/, 8000);
    expect(f).toContain('✗ job');
    const told = d.store.getState().ui.messages.filter((m) => m.text.includes("failed: sh -c 'exit 3'"));
    expect(told).toHaveLength(1);
    expect(told[0].level).toBe('error');
  });
});
