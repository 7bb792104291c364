import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import {
  blueprintInputOf,
  fillDefaults,
  newDraft,
  wizardSteps,
} from '../../src/screens/deployments/wizardDraft';
import { loadProjects } from '../../src/services/projects/loadProjects';
import type { DeckSession } from '../harness/startDeck';
import { type DeploymentsSession, exampleText, rowOf, startDeployments } from './deploymentsHarness';

let session: DeploymentsSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

/** The whole console fits 80x24: 24 lines, none wider than 80 columns. */
function expectFits(deck: DeckSession, when: string) {
  const lines = deck.lines();
  expect(lines.length, when).toBe(24);
  for (const l of lines) expect(stringWidth(l), `${when}: ${l}`).toBeLessThanOrEqual(80);
}

/** The wizard on an empty workspace at `size`, a blueprint `blog` named and owned, paged on to its review. */
async function reviewOfBlog(size: { columns: number; rows: number }): Promise<DeckSession> {
  session = await startDeployments({ files: {}, size });
  const { deck } = session;
  await deck.press('n');
  await deck.type('blog');
  await deck.press('tab');
  await deck.type('me@example.com');
  await deck.press('pgdn', 'pgdn', 'pgdn', 'pgdn');
  return deck;
}

describe('the new-blueprint wizard', () => {
  it('walks through every step at 80x24, stops at the step with a problem, writes the file and lists it', async () => {
    session = await startDeployments({
      files: { 'shop.yaml': exampleText('shop') },
      size: { columns: 80, rows: 24 },
    });
    const { deck, projectsDir } = session;
    await deck.press('n');
    await deck.waitFor('New blueprint · step 1/5');
    expectFits(deck, 'project step');

    // Project: a name that is taken is refused at this step, under the field.
    await deck.type('shop');
    await deck.press('tab');
    await deck.type('blog-team@example.com');
    await deck.press('tab', 'tab', 'tab', 'enter');
    let f = await deck.waitFor('✖ project "shop" already exists');
    expect(f).toContain('step 1/5');
    expect(f.indexOf('✖ project "shop"')).toBeGreaterThan(f.indexOf('> Name'));
    await deck.press('ctrl-u');
    await deck.type('blog');
    await deck.press('enter', 'enter', 'enter', 'enter', 'enter');

    // Network: a subnet outside the VPC block is shown under its CIDR, and the step does not move on.
    f = await deck.waitFor('New blueprint · step 2/5');
    expect(f).toMatch(/Zone\s+eu-west-1a/); // filled in from the region of step 1
    expectFits(deck, 'network step');
    await deck.press('tab', 'tab', 'tab', 'tab', 'ctrl-u');
    await deck.type('10.1.1.0/24');
    await deck.press('enter', 'enter', 'enter');
    f = await deck.waitFor('✖ 10.1.1.0/24 is outside the VPC block 10.0.0.0/16');
    expect(f).toContain('step 2/5');
    expect(f).toMatch(/> CIDR\s+10\.1\.1\.0\/24/);
    await deck.press('ctrl-u');
    await deck.type('10.0.1.0/24');
    await deck.press('enter', 'enter', 'enter');

    // Servers: two of the default server, in the subnet above.
    f = await deck.waitFor('New blueprint · step 3/5');
    expect(f).toMatch(/Subnet\s+public-a/);
    expectFits(deck, 'servers step');
    await deck.press('tab', 'tab', 'tab', 'ctrl-u');
    await deck.type('2');
    await deck.press('enter', 'enter');

    // Buckets: none until Ctrl-N adds one.
    await deck.waitFor('No buckets yet');
    await deck.press('ctrl-n');
    await deck.type('blog-media-4711');
    await deck.press('tab', 'space', 'enter');

    // Review: the YAML to be written; Enter writes it.
    f = await deck.waitFor('New blueprint · step 5/5');
    expect(f).toContain('Enter writes blog.yaml');
    expect(f).toContain('name: blog');
    expectFits(deck, 'review step');
    expect(existsSync(join(projectsDir, 'blog.yaml'))).toBe(false);
    await deck.press('enter');
    f = await deck.waitFor((frame) => rowOf(frame, 'blog') !== '');
    expect(rowOf(f, 'blog')).toMatch(/blog\s+-\s+ready\s+not deployed\s+eu-west-1/);
    expectFits(deck, 'list');

    const text = readFileSync(join(projectsDir, 'blog.yaml'), 'utf8');
    expect(text).toMatch(/^# blog: created with the infradeck wizard/);
    const blog = (await loadProjects(session.dataDir)).find((e) => e.name === 'blog');
    expect(blog?.errors).toEqual([]);
    expect(blog?.blueprint).toMatchObject({
      owner: 'blog-team@example.com',
      environment: 'dev',
      region: 'eu-west-1',
      protected: false,
      network: {
        vpc: { cidr: '10.0.0.0/16' },
        internetGateway: true,
        subnets: [{ name: 'public-a', cidr: '10.0.1.0/24', az: 'eu-west-1a', public: true }],
        securityGroups: [
          {
            name: 'web',
            ingress: [
              { protocol: 'tcp', port: 22, cidr: '0.0.0.0/0' },
              { protocol: 'tcp', port: 443, cidr: '0.0.0.0/0' },
            ],
          },
        ],
      },
      compute: {
        instances: [{ name: 'web', type: 't3.micro', count: 2, subnet: 'public-a', securityGroups: ['web'] }],
      },
      storage: { buckets: [{ name: 'blog-media-4711', versioning: true }] },
    });
    // The shop blueprint is untouched.
    expect(readFileSync(join(projectsDir, 'shop.yaml'), 'utf8')).toBe(exampleText('shop'));
  });

  it('puts the cursor on the blueprint it wrote, not on the row it was on', async () => {
    session = await startDeployments({
      files: { 'shop.yaml': exampleText('shop') },
      size: { columns: 80, rows: 24 },
    });
    const { deck } = session;
    await deck.waitFor((frame) => rowOf(frame, 'shop').startsWith('>'));
    await deck.press('n');
    await deck.type('zeta');
    await deck.press('tab');
    await deck.type('me@example.com');
    await deck.press('pgdn', 'pgdn', 'pgdn', 'pgdn');
    await deck.waitFor('Enter writes zeta.yaml');
    await deck.press('enter');
    const f = await deck.waitFor((frame) => rowOf(frame, 'zeta') !== '');
    expect(rowOf(f, 'zeta')).toMatch(/^> zeta/);
    expect(rowOf(f, 'shop')).not.toMatch(/^>/);
  });

  it('goes back with Esc, keeps what was typed, and leaves without writing after asking', async () => {
    session = await startDeployments({ files: {}, size: { columns: 80, rows: 24 } });
    const { deck, projectsDir } = session;
    await deck.press('n');
    await deck.type('notes');
    await deck.press('tab');
    await deck.type('me');
    await deck.press('tab', 'tab', 'tab', 'tab');
    await deck.waitFor('step 2/5');
    await deck.press('esc'); // back to the last field of step 1
    let f = await deck.waitFor('step 1/5');
    expect(f).toMatch(/> Protected\s+\[ \] no/);
    expect(f).toMatch(/Name\s+notes/);
    await deck.press('esc', 'esc', 'esc', 'esc', 'esc');
    await deck.waitFor('Leave the wizard?');
    await deck.press('y');
    f = await deck.waitFor('No blueprints in the projects folder yet');
    expect(existsSync(join(projectsDir, 'notes.yaml'))).toBe(false);
  });

  it('the review at 80x24 says more of the YAML follows, and j scrolls to its last line', async () => {
    const deck = await reviewOfBlog({ columns: 80, rows: 24 });
    let f = await deck.waitFor('New blueprint · step 5/5');
    expect(f).toMatch(/^↓ more below · lines 1–\d+ of \d+$/m);
    // What the review shows: the file the wizard writes, the defaults of every step filled in.
    const draft = wizardSteps.reduce((d, step) => fillDefaults(d, step.id), {
      ...newDraft(),
      name: 'blog',
      owner: 'me@example.com',
    });
    const yaml = deck.store
      .getState()
      .actions.projects.draftYaml(blueprintInputOf(draft))
      .trimEnd()
      .split('\n');
    const lastLine = yaml[yaml.length - 1];
    for (let i = 0; i < yaml.length; i++) await deck.press('j');
    f = await deck.waitFor(/^↑ more above · lines \d+–(\d+) of \1$/m);
    expect(f.split('\n').map((l) => l.trimEnd())).toContain(`  ${lastLine}`);
    expectFits(deck, 'review scrolled to its end');
  });

  it('names the open step whole at 60 columns, where the trail of every step does not fit', async () => {
    const deck = await reviewOfBlog({ columns: 60, rows: 20 });
    const f = await deck.waitFor('New blueprint · step 5/5');
    expect(f.split('\n')[1]?.trimEnd()).toBe('New blueprint · step 5/5 · Review');
    await deck.resize(120, 30);
    await deck.waitFor('New blueprint · step 5/5 · Project › Network › Servers › Buckets › [Review]');
  });

  it('edits a field where the cursor is (←, Ctrl-W, Home), and a field newly focused starts at its end', async () => {
    session = await startDeployments({ files: {}, size: { columns: 80, rows: 24 } });
    const { deck } = session;
    await deck.press('n');
    await deck.waitFor('New blueprint · step 1/5');
    await deck.type('blog site');
    await deck.press('left', 'left', 'left', 'left', 'ctrl-w');
    // The cursor is on the `s` now (inverse, which this frame has no colour for).
    await deck.waitFor((f) => /> Name +site *$/m.test(f));
    await deck.press('home');
    await deck.type('my-');
    await deck.press('end');
    await deck.type('s');
    await deck.waitFor((f) => /> Name +my-sites█/.test(f));
    await deck.press('tab');
    await deck.type('ops@example.com');
    await deck.press('shift-tab');
    await deck.type('!');
    await deck.waitFor((f) => /> Name +my-sites!█/.test(f));
  });
});
