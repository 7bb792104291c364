import { afterEach, describe, expect, it } from 'vitest';
import { type DeploymentsSession, exampleText, startDeployments } from './deploymentsHarness';

let session: DeploymentsSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

describe("a project's details", () => {
  it('say a project never deployed has no state file yet, and where its deploy writes it', async () => {
    session = await startDeployments({ files: { 'shop.yaml': exampleText('shop') } });
    const { deck, dataDir } = session;
    await deck.press('enter');
    let f = await deck.waitFor('shop · staging');
    expect(f).toContain(`State: none yet (a deploy writes ${dataDir}/state/shop.json)`);
    expect(f).not.toMatch(/resources? recorded/);
    await deck.press('D');
    await deck.waitFor('Deploy shop');
    await deck.press('y');
    f = await deck.waitFor(/State: \S+shop\.json \(13 resources recorded\)/, 15_000);
    expect(f).not.toContain('none yet');
  });
});
