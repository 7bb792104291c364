import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobView } from '../../src/domain/job';
import type { BatchPayload } from '../../src/domain/jobKinds/batch';
import { type BatchDeck, rollYaml, startBatchDeck, typoYaml } from './batchHarness';

let session: BatchDeck | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

function processAlive(pattern: string): boolean {
  try {
    execFileSync('pgrep', ['-f', pattern]);
    return true;
  } catch {
    return false;
  }
}

async function batchJobs(s: BatchDeck): Promise<JobView[]> {
  return (await s.bus.queue.list({ kind: 'batch', limit: 50 })).sort((a, b) => a.createdAt - b.createdAt);
}

/** The Batch tab of an empty workspace with `n`'s ad-hoc form open. */
async function openAdHocForm() {
  session = await startBatchDeck({});
  const d = session.deck;
  await d.press('8');
  // Nothing in batches/: the summary offers no Enter to start one of none.
  const empty = await d.waitFor('0 runs · no batches/*.yaml · n ad hoc');
  expect(empty).not.toContain('Enter or s starts one');
  await d.press('n');
  await d.waitFor('New ad-hoc batch');
  return d;
}

describe('the Batch tab', () => {
  it('starts a batch of batches/ after showing its plan, stops at the wave that failed, and retries the failed target', async () => {
    session = await startBatchDeck({ 'roll.yaml': rollYaml, 'typo.yaml': typoYaml });
    const d = session.deck;
    await d.press('8');
    // The defined batches, and the one whose target names nothing, located in its file.
    const list = await d.waitFor('typo');
    expect(list).toContain('0 runs · 2 in batches/: Enter or s starts one');
    expect(list).toMatch(/roll +defined/);
    // Its problem in the row from its start, without where it is (the line under the table says that in full).
    expect(list).toMatch(/typo +invalid +targets\.servers\[1\]: no server "web-9"/);
    expect(list).not.toMatch(/invalid +\d+:\d+:/);
    await d.press('j');
    await d.waitFor(/typo\.yaml:2:20: targets\.servers\[1\]: no server "web-9"/);

    // Enter asks first, with the targets and the waves.
    await d.press('k', 'enter');
    const ask = await d.waitFor('Start batch roll?');
    expect(ask).toContain('3 targets in 3 waves (serial 1); any failure stops the batch');
    expect(ask).toContain('wave 1: web-1 (1)');
    expect(ask).toContain('wave 3: web-3 (1)');
    expect(await batchJobs(session)).toHaveLength(0);
    await d.press('y');

    // The run opens: wave 2 failed and stopped it, web-3 never ran.
    const run = await d.waitFor(/FAILED · wave 2\/3 · 1 ok · 1 failed · 1 skipped/, 10_000);
    expect(run).toMatch(/wave 2 .* 1 failed +stopped the batch/);
    expect(run).toMatch(/web-1 +1 ok +0 /);
    expect(run).toMatch(/web-2 +2 failed +1 /);
    expect(run).toMatch(/web-3 +3 skipped/);
    const [first] = await batchJobs(session);
    expect(first.status).toBe('failed');

    // Enter on a target: its output.
    await d.press('j', 'enter');
    const output = await d.waitFor('hello from web-2');
    expect(output).toContain('roll › web-2 · wave 2 · FAILED · exit 1');
    // Its hint line (under the run's toast) offers the log search; Esc clears a search before it goes back.
    d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await d.waitFor(/G follow {2}w wrap.*Esc back {2}\/ search/);
    await d.press('/');
    await d.type('hello');
    await d.press('enter');
    await d.waitFor(/^\/hello +(search went round to the top · )?n next/m);
    await d.press('esc');
    await d.waitFor((frame) => !frame.includes('/hello'));
    await d.press('esc');
    await d.waitFor('LAST OUTPUT');

    // A kept filter on the targets: Esc clears it first, and the run stays open.
    await d.press('/');
    await d.type('web-2');
    await d.press('enter');
    await d.waitFor((frame) => !/web-1 +1 ok/.test(frame));
    // The line above the targets counts what the filter shows, as every table's does.
    expect(d.frame()).toMatch(/^ 1 of 3 targets · by /m);
    await d.press('esc');
    await d.waitFor(/^ 3 targets · by /m);
    await d.waitFor(/web-1 +1 ok +0 /);
    expect(d.frame()).toContain('LAST OUTPUT');

    // R asks, then a new run of only the failed target.
    await d.press('R');
    const retry = await d.waitFor(`Retry the failed targets of roll (job ${first.id})?`);
    expect(retry).toContain('1 target in 1 wave');
    expect(retry).toContain('wave 1: web-2 (1)');
    await d.press('y');
    await d.waitFor(/FAILED · wave 1\/1 · 1 failed$/m, 10_000);
    const [, second] = await batchJobs(session);
    const payload = second.payload as BatchPayload;
    expect(payload.retryOf).toBe(first.id);
    expect(payload.targets.map((t) => t.name)).toEqual(['web-2']);

    // Esc: the runs, newest first, above the defined batches.
    await d.press('esc');
    const runs = await d.waitFor('2 runs');
    const rows = runs.split('\n').filter((l) => /^. roll +(failed|defined)/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/roll +failed +1\/1 +0 +1 +0/);
    expect(rows[1]).toMatch(/roll +failed +2\/3 +1 +1 +1/);
    expect(rows[2]).toMatch(/roll +defined/);
  });

  it('runs an ad-hoc batch from the form, with a manual pause that A advances', async () => {
    const d = await openAdHocForm();
    // Nothing filled in: each problem under its field.
    await d.press('enter');
    await d.waitFor('no targets given');
    await d.type('web-1, web-3');
    await d.press('tab');
    await d.type('sh -c "echo on $INFRADECK_TARGET"');
    await d.press('tab', 'space', 'tab');
    await d.type('1');
    await d.press('tab', 'tab');
    await d.type('manual');
    await d.press('enter');
    const ask = await d.waitFor('Start batch ad-hoc?');
    expect(ask).toContain("batch ad-hoc: local sh -c 'echo on $INFRADECK_TARGET'");
    expect(ask).toContain(
      '2 targets in 2 waves (serial 1); any failure stops the batch; pause manual between waves; timeout 10m per target',
    );
    await d.press('y');

    const paused = await d.waitFor(/PAUSED · wave 1\/2 · 1 ok/, 10_000);
    expect(paused).toMatch(/wave 2 .*next: waiting for A/);
    await d.press('A');
    await d.waitFor(/COMPLETED · wave 2\/2 · 2 ok$/m, 10_000);
    const frame = await d.waitFor('on web-3');
    expect(frame).toMatch(/web-3 +2 ok +0 .*on web-3/);
  });

  it('a timed pause says the next wave starts on its own after it; A still starts it now', async () => {
    session = await startBatchDeck({
      'timed.yaml': `targets: { servers: [web-1, web-2] }\naction: { local: ["true"] }\nserial: 1\npause: 30s\n`,
    });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/timed +defined/);
    await d.press('s');
    await d.waitFor('Start batch timed?');
    await d.press('y');
    const paused = await d.waitFor(/PAUSED · wave 1\/2 · 1 ok/, 10_000);
    expect(paused).toMatch(/wave 2 .*next: after the 30s pause \(A: now\)/);
    expect(paused).not.toContain('waiting for A');
    await d.press('esc');
    await d.waitFor(/timed +paused/);
    await d.press('g');
    await d.waitFor('wave 2 starts after the 30s pause, A starts it now');
    await d.press('enter');
    await d.waitFor(/PAUSED · wave 1\/2/);
    await d.press('A');
    await d.waitFor(/COMPLETED · wave 2\/2 · 2 ok/, 10_000);
  });

  it('a target names nothing: the form says which, and nothing starts', async () => {
    session = await startBatchDeck({});
    const d = session.deck;
    await d.press('8', 'n');
    await d.waitFor('New ad-hoc batch');
    await d.type('web-1 web-7');
    await d.press('tab');
    await d.type('true');
    await d.press('enter');
    // Under the field, in the words typed (not `targets.names[1]:`, the form's own path).
    const f = await d.waitFor('no server "web-7" in servers.yaml (did you mean web-1?), and not an address');
    expect(f).not.toContain('targets.names');
    expect(await batchJobs(session)).toHaveLength(0);
  });

  it("an ended run's age goes on while it is open: by … just now becomes minutes ago", async () => {
    session = await startBatchDeck({ 'roll.yaml': rollYaml });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/roll +defined/);
    await d.press('s');
    await d.waitFor('Start batch roll?');
    await d.press('y');
    await d.waitFor(/FAILED · wave 2\/3/, 10_000);
    await d.waitFor(/3 targets · by \S+ (just now|\d+ s ago)/);
    const realNow = Date.now;
    const later = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 3 * 60_000);
    try {
      await d.waitFor(/3 targets · by \S+ 3 min ago/, 8_000);
    } finally {
      later.mockRestore();
    }
  });

  it('cancels a running batch (asks first); its running target is stopped', async () => {
    session = await startBatchDeck({
      'slow.yaml': 'targets: { servers: [web-1, web-2] }\naction: { local: [sleep, "37.25"] }\n',
    });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/slow +defined/);
    await d.press('s');
    await d.waitFor('Start batch slow?');
    await d.press('y');
    await d.waitFor(/RUNNING · wave 1\/1/, 10_000);
    await d.waitFor(/web-2 +1 running/);
    // A target reads running from its job's start, a moment before its program is spawned.
    await expect.poll(() => processAlive('sleep 37.25'), { timeout: 5_000 }).toBe(true);
    await d.press('c');
    await d.waitFor('Cancel batch slow');
    expect(d.frame()).toContain('2 running targets cancelled');
    await d.press('y');
    // The title counts the cancelled targets: what became of the two.
    await d.waitFor(/CANCELLED · wave 1\/1 · 2 cancelled$/m, 10_000);
    await d.waitFor(/web-1 +1 cancelled/);
    // Narrow, the title keeps its counts whole (it cut `2 can…` at 80 columns).
    await d.resize(64, 24);
    await d.waitFor(/^batch slow · job \S+ · CANCELLED · wave 1\/1 · 2 cancelled$/m);
    const [run] = await batchJobs(session);
    expect(run.status).toBe('cancelled');
    await expect.poll(() => processAlive('sleep 37.25'), { timeout: 5_000 }).toBe(false);
  });

  it('back from a run just started, the cursor is on it; cancelled, the list counts what became of its targets', async () => {
    session = await startBatchDeck({
      'roll.yaml': rollYaml,
      'slow.yaml': 'targets: { servers: [web-1, web-2] }\naction: { local: [sleep, "39.25"] }\nserial: 1\n',
    });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/slow +defined/);
    await d.press('j');
    await d.waitFor(/> slow +defined/);
    await d.press('s');
    await d.waitFor('Start batch slow?');
    await d.press('y');
    await d.waitFor(/web-1 +1 running/, 10_000);
    await expect.poll(() => processAlive('sleep 39.25'), { timeout: 5_000 }).toBe(true);
    await d.press('esc');
    // The new run's row is above the file it came from: the cursor follows what was acted on, not the old row.
    await d.waitFor(/> slow +running/);
    expect(d.frame()).toMatch(/ {2}slow +defined/);

    await d.press('c');
    await d.waitFor('Cancel batch slow');
    await d.press('y');
    // 0 ok, 0 failed, 0 skipped, 2 cancelled; the bar fills only for what ran (web-1, stopped while it ran).
    const list = await d.waitFor(/> slow +cancelled +1\/2 +0 +0 +0 +2 +█{4}░{4} +50%/, 10_000);
    expect(list).not.toContain('100%');
    await d.press('enter');
    const run = await d.waitFor(/CANCELLED · wave 1\/2/);
    expect(run).toMatch(/wave 1 +█{10} 100% +1 target +1 cancelled {2}cancelled/);
    expect(run).toMatch(/wave 2 +░{10} +0% +1 target +1 cancelled {2}never ran/);
    await expect.poll(() => processAlive('sleep 39.25'), { timeout: 5_000 }).toBe(false);
  });

  it("a running target's LAST OUTPUT is the latest line it printed, not the program's name", async () => {
    session = await startBatchDeck({
      'drain.yaml':
        'targets: { servers: [web-1] }\naction: { local: [sh, -c, \'echo "draining $INFRADECK_TARGET"; exec sleep 38.25\'] }\n',
    });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/drain +defined/);
    await d.press('s');
    await d.waitFor('Start batch drain?');
    await d.press('y');
    const frame = await d.waitFor(/web-1 +1 running .*draining web-1/, 10_000);
    expect(frame).not.toMatch(/web-1: local sh/);
    await d.press('c');
    await d.waitFor('Cancel batch drain');
    await d.press('y');
    await d.waitFor(/CANCELLED/, 10_000);
    await expect.poll(() => processAlive('sleep 38.25'), { timeout: 5_000 }).toBe(false);
  });

  it('read-only: a start is refused and said so, nothing is queued', async () => {
    session = await startBatchDeck({ 'roll.yaml': rollYaml }, { readOnly: true });
    const d = session.deck;
    await d.press('8');
    await d.waitFor('READ-ONLY');
    await d.waitFor(/roll +defined/);
    await d.press('enter');
    await d.waitFor(/read-only mode/);
    expect(d.frame()).not.toContain('Start batch roll?');
    expect(await batchJobs(session)).toHaveLength(0);
  });

  it('A, c and R on a file of batches/ say they act on a run, and nothing is queued', async () => {
    session = await startBatchDeck({ 'roll.yaml': rollYaml });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/roll +defined/);
    for (const [key, verb] of [
      ['A', 'advance'],
      ['c', 'cancel'],
      ['R', 'retry'],
    ] as const) {
      await d.press(key);
      await d.waitFor(`roll is a file of batches/, not a run: ${verb} acts on a run`);
    }
    expect(d.store.getState().ui.overlay).toBeNull();
    expect(await batchJobs(session)).toHaveLength(0);
  });

  it('r reads batches/ again and says what it read', async () => {
    session = await startBatchDeck({ 'roll.yaml': rollYaml, 'typo.yaml': typoYaml });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/typo +invalid/);
    await d.press('r');
    await d.toasted('read batches/: 2 files, 1 with errors');
  });

  it('a file with several problems: the note says where the rest are, and Enter puts each in :messages', async () => {
    const bad = 'targets:\n  servers: [web-1]\naction:\n  sh: ["true"]\nserial: "150%"\ntimeout: -1\n';
    session = await startBatchDeck({ 'bad.yaml': bad }, { size: { columns: 80, rows: 24 } });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/bad +invalid/);
    // At 80 columns the first problem gives way at its end: the pointer to the others is whole.
    await d.waitFor(
      /bad\.yaml:4:3: action\.sh: unknown key[\s\S]*\(and 2 more: Enter lists them in :messages\) *$/m,
    );
    await d.press('enter');
    await d.waitFor(/\(\+2 more: :messages\)/);
    const texts = d.store.getState().ui.messages.map((m) => m.text);
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(/^bad: .*bad\.yaml:5:9: serial: must be at most 100%/);
    expect(texts[1]).toMatch(/^bad: .*bad\.yaml:6:10: timeout: must not be negative/);
    // Last, so the message line shows it: what it stops, with the first problem.
    expect(texts[2]).toMatch(/^bad cannot start: .*bad\.yaml:4:3: action\.sh: unknown key "sh"/);
    expect(d.frame()).toMatch(/^✗ bad cannot start: /m);
    expect(await batchJobs(session)).toHaveLength(0);
  });

  it('counts what a / filter shows in its summary', async () => {
    session = await startBatchDeck({ 'roll.yaml': rollYaml, 'typo.yaml': typoYaml });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/typo +invalid/);
    await d.press('/');
    await d.type('roll');
    await d.press('enter');
    await d.waitFor(' 1 of 2 rows shown · 0 runs · 2 in batches/');
  });

  it('follows batches/ while shown: a file written, fixed or removed shows without r', async () => {
    session = await startBatchDeck({ 'roll.yaml': rollYaml });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/roll +defined/);
    const file = join(session.workspace, 'batches', 'canary.yaml');
    writeFileSync(file, typoYaml);
    await d.waitFor(/canary +invalid/, 5_000);
    writeFileSync(file, rollYaml);
    await d.waitFor(/canary +defined/, 5_000);
    rmSync(file);
    await d.waitFor((frame: string) => !frame.includes('canary'), 5_000);
    expect(d.frame()).toMatch(/roll +defined/);
  });

  it('? lists the keys of the open view only', async () => {
    session = await startBatchDeck({ 'roll.yaml': rollYaml });
    const d = session.deck;
    await d.press('8');
    await d.waitFor(/roll +defined/);
    await d.press('?');
    const listHelp = await d.waitFor('New ad-hoc batch');
    expect(listHelp).toContain('Advance a paused run');
    expect(listHelp).not.toContain("The target's output");
    // Esc alone, and the list back, before the next keys: Esc and a key right after it read as Alt and the key.
    await d.press('esc');
    await d.waitFor((frame) => !frame.includes('New ad-hoc batch'));
    // The plan is read before the question opens: answer it once it is there.
    await d.press('enter');
    await d.waitFor('Start batch roll?');
    await d.press('y');
    await d.waitFor(/FAILED · wave 2\/3/, 10_000);
    await d.press('?');
    const runHelp = await d.waitFor("The target's output");
    expect(runHelp).toContain('Back to the runs');
    expect(runHelp).not.toContain('New ad-hoc batch');
  });

  it("the ad-hoc form's hint line has only its keys: ? and : are typed into it", async () => {
    const d = await openAdHocForm();
    expect((d.lines().at(-2) ?? '').trimEnd()).toBe('Tab/↓ next  S-Tab/↑ back  Enter plan  Esc cancel');
    // Each key it lists does that: ↓ and Tab go on, ↑ and S-Tab back; on Runs, the keys its hint names switch it.
    await d.press('down', 'tab');
    await d.waitFor(/> Runs +ssh/);
    expect(d.frame()).toContain('Space or ←/→ switches (s ssh, l local)');
    await d.press('right');
    await d.waitFor(/> Runs +local/);
    await d.press('s');
    await d.waitFor(/> Runs +ssh/);
    await d.press('l');
    await d.waitFor(/> Runs +local/);
    await d.press('up', 'shift-tab');
    await d.waitFor(/> Targets/);
    await d.type('?:');
    await d.waitFor(/> Targets +\?:/);
    expect(d.frame()).not.toContain('Keys of this screen');
  });
});
