import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { startDemoConsole } from '../harness/demoConsole';
import { operator } from '../harness/memoryDeckBus';
import type { DeckSession, StartDeckOptions } from '../harness/startDeck';

let dir: string;
let deck: DeckSession | undefined;
let bus: Bus | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-advice-'));
});
afterEach(async () => {
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The console on the DEMO cloud, scanned, its jobs run in-process against the same cloud; at 80x24. */
async function openScanned(opts: StartDeckOptions = {}) {
  ({ deck, bus } = await startDemoConsole(dir, { size: { columns: 80, rows: 24 }, ...opts }));
  await deck.waitFor(() => (deck?.store.getState().cloud.index.all.length ?? 0) > 100, 15_000);
  return deck;
}

async function advise(d: DeckSession) {
  await d.press(':');
  await d.type('advise');
  await d.press('enter');
  return d.waitFor(/Advice: \d+ findings: \d+ high/);
}

function fits(frame: string) {
  const lines = frame.split('\n');
  expect(lines).toHaveLength(24);
  for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(80);
}

describe(':advise in the console', () => {
  it('lists the findings on the scanned DEMO account, most severe first, with the one at the cursor explained', async () => {
    const d = await openScanned();
    const f = await advise(d);
    fits(f);
    const rules = d.store.getState().assistant.advice?.report?.findings.map((x) => x.rule) ?? [];
    for (const rule of ['open-admin-port', 'public-bucket', 'bucket-without-versioning', 'stopped-instance'])
      expect(rules).toContain(rule);
    expect(f).toMatch(/^ ?[> ]? ?\S* ?high\s+open-admin-port\s+sg-/m);
    // The finding at the cursor: why, its rows and the job it suggests.
    expect(f).toMatch(/\[high\] open-admin-port: port 22 \(SSH\) open to 0\.0\.0\.0\/0/);
    expect(f).toMatch(/about: sg-/);
    // Its fix is an `aws` CLI command: on the DEMO cloud it would act on the host's real account, so it is shown only.
    expect(f).toMatch(/suggested job \(command, not offered: the DEMO cloud: the aws CLI would act on/);
    expect(f).toContain('Enter not offered here');
  });

  it("? lists :advise's own keys, not the covered tab's", async () => {
    const d = await openScanned();
    await advise(d);
    await d.resize(120, 60);
    await d.press('?');
    const help = await d.waitFor('Keys of this screen');
    expect(help).toMatch(/Enter +Offer the finding's suggested job/);
    expect(help).toMatch(/r +Read the findings again/);
    expect(help).toMatch(/Esc +Close/);
    expect(help).toMatch(/o +Sort by next column/);
    expect(help).not.toMatch(/Open what the row names|\[table\.filter\]|\[table\.select\]|Send the question/);
    await d.press('esc');
    await d.waitFor(/Advice: \d+ findings/);
  });

  it('Enter offers the suggested job and runs it only once confirmed (typed for a terminate)', async () => {
    const d = await openScanned();
    await advise(d);
    const findings = d.store.getState().assistant.advice?.report?.findings ?? [];
    const stopped = findings.findIndex((x) => x.rule === 'stopped-instance');
    expect(stopped).toBeGreaterThan(0);
    for (let i = 0; i < stopped; i++) await d.press('j');
    await d.waitFor(/\[low\] stopped-instance/);
    const jobsBefore = (await bus?.queue.list({}))?.length ?? 0;
    await d.press('enter');
    const suggestion = findings[stopped].suggestion!;
    const confirm = await d.waitFor('Run the job suggested for stopped-instance?');
    expect(confirm).toContain(`Type ${suggestion.payload.confirm} and press Enter`);
    await d.press('esc');
    await d.waitFor(/\[low\] stopped-instance/);
    expect((await bus?.queue.list({}))?.length).toBe(jobsBefore);

    await d.press('enter');
    await d.waitFor('Run the job suggested for stopped-instance?');
    await d.type(String(suggestion.payload.confirm));
    await d.press('enter');
    await d.waitFor(/✓ queued job \S+: /);
    const jobs = (await bus?.queue.list({})) ?? [];
    expect(jobs.length).toBe(jobsBefore + 1);
    expect(jobs.some((j) => j.kind === 'terminate' && j.requestedBy.user === operator.user)).toBe(true);
  });

  it('does not offer an aws CLI fix on the DEMO cloud, and says why', async () => {
    const d = await openScanned();
    await advise(d);
    await d.waitFor(/\[high\] open-admin-port/);
    const jobsBefore = (await bus?.queue.list({}))?.length ?? 0;
    await d.press('enter');
    const said = await d.waitFor(/not offered: the DEMO cloud/);
    expect(said).not.toContain('Run the job suggested');
    fits(said);
    expect((await bus?.queue.list({}))?.length).toBe(jobsBefore);
  });

  it('read-only, refuses a suggested job that changes things and says so', async () => {
    const d = await openScanned({ readOnly: true });
    await advise(d);
    const findings = d.store.getState().assistant.advice?.report?.findings ?? [];
    const stopped = findings.findIndex((x) => x.rule === 'stopped-instance');
    for (let i = 0; i < stopped; i++) await d.press('j');
    await d.waitFor('suggested job (terminate, refused read-only: it changes things)');
    const jobsBefore = (await bus?.queue.list({}))?.length ?? 0;
    await d.press('enter');
    const refused = await d.waitFor('read-only: not run');
    expect(refused).not.toContain('Run the job suggested');
    fits(refused);
    expect((await bus?.queue.list({}))?.length).toBe(jobsBefore);
  });

  it('at 60x20, drops whole hints rather than cut one, and hides the JOB column rather than cut a kind', async () => {
    const d = await openScanned();
    // At 80x24 the id and the region a finding is about are both whole.
    expect(await advise(d)).toMatch(/high +open-admin-port +sg-[0-9a-f]{17} .*in [a-z]+-[a-z]+-\d\b/);
    await d.resize(60, 20);
    const f = await d.waitFor((frame) => frame.split('\n').length === 20);
    const lines = f.split('\n');
    // The view's own hint line, whole hints only.
    expect(lines.find((l) => l.includes('Esc close')) ?? '').toMatch(
      /^ Enter not offered here {2}Esc close {2}j\/k move {2}r read again *$/,
    );
    expect(f).not.toMatch(/\b(co|comm|ter|termi)…/);
    // Cut, the row keeps the start of the id and the end of the region.
    // (Which region comes first depends on which the DEMO scan has read so far.)
    expect(f).toMatch(/sg-0[0-9a-f]+….*-\d *$/m);
  });

  it('names its keys as config.yaml binds them', async () => {
    const d = await openScanned({
      size: { columns: 100, rows: 24 },
      config: { keys: { 'advice.reload': 'R' } },
    });
    await advise(d);
    const f = await d.waitFor('R read again');
    expect(f).not.toContain('r read again');
  });

  it('a tab key of the tab it covers shows that tab', async () => {
    const d = await openScanned();
    await advise(d);
    expect(d.store.getState().ui.tab).toBe('dashboard');
    await d.press('1');
    await d.waitFor((f) => !/Advice: \d+ findings/.test(f));
    expect(d.store.getState().assistant.shown).toBe(null);
  });
});
