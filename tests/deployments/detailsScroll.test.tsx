import { afterEach, describe, expect, it } from 'vitest';
import { type DeploymentsSession, exampleText, startDeployments } from './deploymentsHarness';

let session: DeploymentsSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

/** The project details' scroll note (at 50 columns its end is cut: `· wrap…`). */
const noteOf = (frame: string) => frame.split('\n').find((l) => /^[↑↓]+ more /.test(l)) ?? '';

describe("a project's details, wrapped and scrolled", () => {
  it('say there is more above when only the first line’s first rows are scrolled off', async () => {
    session = await startDeployments({
      files: { 'analytics.yaml': exampleText('analytics') },
      size: { columns: 50, rows: 20 },
    });
    const { deck } = session;
    await deck.press('enter');
    await deck.waitFor('analytics · dev');
    await deck.press('w');
    let f = await deck.waitFor(/↓ more below · lines 1–\d+ of \d+ · wrap/);
    // At 50 columns the first line takes two rows: one row down, its first row is above the view.
    await deck.press('j');
    f = await deck.waitFor((frame) => !frame.includes('analytics · dev'));
    expect(noteOf(f)).toMatch(/^↑↓ more above and below · lines 1–\d+ of \d+ · wrap/);
    // At the end: nothing below, more above.
    await deck.press('G');
    f = await deck.waitFor(/↑ more above · lines \d+–(\d+) of \1 · wrap/);
    expect(noteOf(f)).not.toContain('below');
  });
});

describe("a project's details with its job's log", () => {
  it('w wraps the log under the text too: the line naming the state file shows whole', async () => {
    session = await startDeployments({
      files: { 'analytics.yaml': exampleText('analytics') },
      size: { columns: 80, rows: 24 },
    });
    const { deck, dataDir } = session;
    await deck.press('enter');
    await deck.waitFor('analytics · dev');
    await deck.press('D');
    await deck.waitFor('Deploy analytics to eu-central-1?');
    await deck.press('y');
    // Cut at 80 columns: `deployed analytics: 11 created, 0 deleted, 0 unchanged; state in /tmp/…`.
    let f = await deck.waitFor(/\ndeployed analytics: \d+ created.*…\n/, 15_000);
    await deck.press('w');
    const log = (frame: string) => frame.slice(frame.search(/\nJob \d+: deploy completed/));
    f = await deck.waitFor((frame) =>
      log(frame).replace(/\n/g, '').includes(`state in ${dataDir}/state/analytics.json`),
    );
    expect(log(f)).toMatch(/^\nJob \d+: deploy completed/);
  });
});
