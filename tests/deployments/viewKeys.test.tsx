import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeploymentsSession, exampleText, rowOf, startDeployments } from './deploymentsHarness';

let session: DeploymentsSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

describe('the keys offered over a Deployments view', () => {
  it("the wizard's hint line has only its keys, not the list's nor ? and :, which it takes as text", async () => {
    session = await startDeployments({ files: { 'shop.yaml': exampleText('shop') } });
    const { deck } = session;
    await deck.press('n');
    await deck.waitFor('New blueprint · step 1/5');
    expect((deck.lines().at(-2) ?? '').trimEnd()).toBe('Tab/Enter/↓ next  S-Tab/Esc/↑ back  PgDn/PgUp step');
    await deck.type('?:');
    await deck.waitFor(/> Name +\?:/);
    expect(deck.frame()).not.toContain('Keys of this screen');
  });

  it("the wizard's hint line follows its step and field, and the wizard draws no key line of its own", async () => {
    session = await startDeployments({ files: { 'shop.yaml': exampleText('shop') } });
    const { deck } = session;
    const hintLine = () => (deck.lines().at(-2) ?? '').trimEnd();
    await deck.press('n');
    await deck.waitFor('New blueprint · step 1/5');
    await deck.type('blog');
    await deck.press('tab');
    await deck.type('me@example.com');
    // Protected is a toggle: Space (or y / n) sets it.
    await deck.press('tab', 'tab', 'tab');
    await deck.waitFor(/> Protected/);
    await deck.waitFor(() => hintLine().includes('Space/y/n toggle'));
    expect(
      deck
        .frame()
        .split('\n')
        .filter((l) => l.includes('next')),
    ).toHaveLength(1);
    // The network step has a list of subnets: ^N adds one; in a subnet's field ^X removes it.
    await deck.press('pgdn');
    await deck.waitFor('New blueprint · step 2/5');
    await deck.waitFor(() => hintLine().includes('^N add subnet'));
    expect(hintLine()).not.toMatch(/\^X remove|toggle/);
    await deck.press('tab', 'tab', 'tab');
    await deck.waitFor(/> Name +public-a/);
    await deck.waitFor(() => hintLine().includes('^N add subnet  ^X remove'));
    expect(hintLine()).not.toContain('toggle');
    // The review writes the file, goes back, scrolls.
    await deck.press('pgdn', 'pgdn', 'pgdn');
    await deck.waitFor('New blueprint · step 5/5');
    await deck.waitFor(() => hintLine() === 'Enter write the file  Esc/PgUp back  j/k/↑/↓ scroll');
  });

  it('an open project whose blueprint went says so, lists only Esc and /, and Esc goes back to the list', async () => {
    session = await startDeployments({
      files: { 'shop.yaml': exampleText('shop'), 'static-site.yaml': exampleText('static-site') },
    });
    const { deck, projectsDir } = session;
    await deck.press('enter'); // shop
    await deck.waitFor(/shop · \S+ · eu-/);
    rmSync(join(projectsDir, 'shop.yaml'));
    await deck.waitFor('project shop: no blueprint of that name in the projects folder', 5_000);
    expect(deck.frame()).not.toContain('PROJECT');
    deck.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await deck.waitFor((f) => f.split('\n').at(-2)?.includes('? help') ?? false);
    expect(deck.lines().at(-2)).toMatch(/^Esc back {2}\/ search {2}\? help/);
    // The list's keys do not act behind the note: `D` would deploy the row under the list's cursor.
    await deck.press('D');
    expect(deck.store.getState().ui.confirm).toBeUndefined();
    await deck.press('?');
    const help = await deck.waitFor('Keys of this screen');
    expect(help).toMatch(/Esc +Back/);
    expect(help).not.toMatch(/Deploy \(shows the plan|Plan against the cloud|New blueprint/);
    await deck.press('esc');
    await deck.waitFor('no blueprint of that name');
    await deck.press('esc');
    const list = await deck.waitFor((f) => rowOf(f, 'static-site') !== '');
    expect(rowOf(list, 'shop')).toBe('');
  });
});
