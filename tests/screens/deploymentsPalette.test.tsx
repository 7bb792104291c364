import { afterEach, describe, expect, it } from 'vitest';
import { type DeploymentsSession, exampleText, startDeployments } from '../deployments/deploymentsHarness';

let session: DeploymentsSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

describe(':deployments in the palette', () => {
  it('says it takes a project or new, and completes the projects of the folder', async () => {
    session = await startDeployments({
      files: { 'shop.yaml': exampleText('shop'), 'static-site.yaml': exampleText('static-site') },
    });
    const { deck } = session;
    await deck.waitFor(/static-site/);
    await deck.press(':');
    await deck.type('deployments ');
    const listed = await deck.waitFor(/deployments \[project\|new\]/);
    expect(listed).toMatch(/^ {3}shop$/m);
    expect(listed).toMatch(/^ {3}new$/m);
    await deck.type('st');
    await deck.press('tab');
    await deck.waitFor(/^:deployments static-site /m);
    await deck.press('enter');
    await deck.waitFor(/static-site · \S+ · eu-/);
  });

  it('a name no blueprint ever had is said to be one, with the projects there and the one probably meant', async () => {
    session = await startDeployments({
      files: { 'shop.yaml': exampleText('shop'), 'static-site.yaml': exampleText('static-site') },
    });
    const { deck } = session;
    await deck.waitFor(/static-site/);
    await deck.press(':');
    await deck.type('deployments shpo');
    await deck.press('enter');
    const f = await deck.waitFor('project shpo: no blueprint of that name in the projects folder');
    // Not "deleted or renamed": it never was.
    expect(f).not.toContain('deleted or renamed');
    expect(f).toContain('Did you mean shop? The projects: shop, static-site (: and Tab complete them).');
  });
});

describe('y on the Deployments tab', () => {
  it("copies the blueprint's path, from the list and from a project's details, and ? lists it", async () => {
    session = await startDeployments({ files: { 'shop.yaml': exampleText('shop') } });
    const { deck } = session;
    await deck.waitFor(/> shop/);
    await deck.press('y');
    // A long path loses its middle in the message, never the file it names.
    const copied = /^copied \/\S*…\S*\/shop\.yaml to the clipboard$/;
    await deck.toasted(copied);
    await deck.press('enter');
    await deck.waitFor(/shop · \S+ · eu-/);
    deck.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await deck.press('y');
    await deck.waitFor(() => deck.store.getState().ui.toasts.some((t) => copied.test(t.text)));
    await deck.press('?');
    await deck.waitFor(/y +Copy the blueprint's path/);
  });
});

describe("the P column's mark", () => {
  it('is said in words under the table for a protected row, at 80x24 too', async () => {
    session = await startDeployments({
      files: { 'shop.yaml': exampleText('shop'), 'static-site.yaml': exampleText('static-site') },
      size: { columns: 80, rows: 24 },
    });
    const { deck } = session;
    await deck.waitFor(/static-site +!/);
    await deck.press('j');
    const f = await deck.waitFor(/> static-site/);
    await deck.waitFor(() =>
      deck.frame().replace(/\n\s*/g, ' ').includes('protected (!): destroy asks for its name'),
    );
    expect(f).toMatch(/PROJECT +P /);
    // shop is not protected: its note says nothing of it.
    await deck.press('k');
    await deck.waitFor(/plan against the last scan/);
    await deck.waitFor(() => !deck.frame().includes('protected (!)'));
  });
});
