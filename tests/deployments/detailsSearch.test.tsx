import { afterEach, describe, expect, it } from 'vitest';
import { type DeploymentsSession, startDeployments } from './deploymentsHarness';

let session: DeploymentsSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

describe("a project's details", () => {
  it('/ searches the text; n goes to the next match, not to the new-blueprint wizard', async () => {
    session = await startDeployments({ size: { columns: 80, rows: 24 } });
    const { deck } = session;
    await deck.press('enter'); // analytics
    await deck.waitFor('analytics · dev · eu-central-1');
    await deck.press('/');
    await deck.type('subnet');
    await deck.press('enter');
    // The search's line takes the scroll note's row.
    await deck.waitFor(/^\/subnet +n next · N previous · Esc clear/m);
    // Leaving the view's keys and coming back (the help) changes which handler hears a key first.
    await deck.press('?');
    await deck.waitFor('Deployments: project');
    expect(deck.frame()).not.toMatch(/New blueprint \(wizard\)/);
    await deck.press('esc');
    await deck.waitFor(/^\/subnet/m);
    await deck.press('n');
    await deck.press('n');
    expect(deck.store.getState().projects.wizard).toBe(false);
    expect(deck.frame()).not.toContain('New blueprint');
    expect(deck.frame()).toMatch(/^\/subnet +(search went round to the top · )?n next/m);
    // Esc clears the search, and the note is back; the next Esc goes back to the list.
    await deck.press('esc');
    await deck.waitFor(/ · j\/k scroll$/m);
    await deck.press('esc');
    await deck.waitFor('PROJECT');
  });

  it('a search typed right after / (before the next frame, as over a slow ssh link) is the search, whole', async () => {
    session = await startDeployments({ size: { columns: 80, rows: 24 } });
    const { deck } = session;
    await deck.press('enter'); // analytics
    await deck.waitFor('analytics · dev · eu-central-1');
    // Two reads before the console draws again: the second is the prompt's, though no frame shows it yet.
    void deck.paste('/');
    await deck.paste('subnet');
    await deck.press('enter');
    await deck.waitFor(/^\/subnet +n next · N previous · Esc clear/m);
  });
});
