import { afterEach, describe, expect, it } from 'vitest';
import type { AccessState } from '../../src/domain/access';
import { parseAccessFile } from '../../src/domain/accessSource';
import { deploymentsScreen } from '../../src/screens/deployments/DeploymentsScreen';
import type { DeckAccess } from '../../src/state/services/access';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubDeckCloud } from '../harness/stubServices';

const policyText = 'users: { alice: admin, carol: viewer }\nprotected: [shop]\n';

function accessOf(state: AccessState, user: string): DeckAccess {
  return { current: () => state, subject: { user } };
}

function policyState(): AccessState {
  const parsed = parseAccessFile('/work/data/access.yaml', policyText);
  if (!parsed.ok) throw new Error('bad test policy');
  return { kind: 'policy', file: '/work/data/access.yaml', policy: parsed.policy };
}

let deck: DeckSession | undefined;
afterEach(() => {
  deck?.unmount();
  deck = undefined;
});

/** The Deployments tab, with the key hints on the line above the status bar. */
async function console(access: DeckAccess) {
  // Tall enough that `?` lists every key in one column.
  deck = await startDeck({
    screens: [deploymentsScreen],
    services: { access },
    size: { columns: 120, rows: 70 },
  });
  await deck.waitFor('? help');
  return deck;
}

const hintLine = (d: DeckSession) => d.lines().at(-2) ?? '';
const statusBar = (d: DeckSession) => d.lines().at(-1) ?? '';

describe('roles in the console', () => {
  it('without access.yaml the status bar says so and every key is offered', async () => {
    const d = await console(accessOf({ kind: 'none', file: '/work/data/access.yaml' }, 'carol'));
    expect(statusBar(d)).toContain('no access control');
    expect(hintLine(d)).toContain('D deploy');
    expect(hintLine(d)).toContain('X destroy');
  });

  it('at 80 columns the bar says "no access control" with the account id whole, the path shortened', async () => {
    deck = await startDeck({
      screens: [deploymentsScreen],
      services: {
        access: accessOf({ kind: 'none', file: '/work/data/access.yaml' }, 'carol'),
        cloud: stubDeckCloud(),
      },
      size: { columns: 80, rows: 24 },
    });
    const bar = await deck.waitFor((f) => f.includes(':messages') && f.includes('1234'));
    const line = bar.split('\n').at(-1) ?? '';
    expect(line).toContain('no access control');
    expect(line).toContain(' 123456789012 ');
  });

  it('"no access control" gives way on a narrow bar before the account id is cut', async () => {
    // The console's start-up scan fails here (no worker layer): an unread error on the bar as well.
    deck = await startDeck({
      screens: [deploymentsScreen],
      services: {
        access: accessOf({ kind: 'none', file: '/work/data/access.yaml' }, 'carol'),
        cloud: stubDeckCloud(),
      },
      size: { columns: 60, rows: 24 },
    });
    const bar = await deck.waitFor((f) => f.includes(':messages') && f.includes('1234'));
    const line = bar.split('\n').at(-1) ?? '';
    expect(line).not.toContain('no access control');
    expect(line).toContain('123456789012');
  });

  it('a viewer sees their role, loses the keys of changes, ? says why and a refused key says so', async () => {
    const d = await console(accessOf(policyState(), 'carol'));
    expect(statusBar(d)).toContain('carol: viewer');
    const hints = hintLine(d);
    expect(hints).toContain('p plan'); // a plan changes nothing
    expect(hints).not.toContain('D deploy');
    expect(hints).not.toContain('X destroy');
    expect(hints).not.toContain('b rollback');

    await d.press('?');
    const help = await d.waitFor('[project.deploy]');
    expect(help.replace(/\s+/g, ' ')).toContain(
      'Deploy (shows the plan, asks) [project.deploy] — needs operator (you are viewer)',
    );
    expect(help.replace(/\s+/g, ' ')).toMatch(
      /Plan against the cloud now \(changes nothing\) \[project\.plan\](?! —)/,
    );
    await d.press('esc');

    await d.press('D');
    const refused = await d.waitFor('refused, needs operator');
    expect(refused).toContain('D Deploy (shows the plan, asks): refused, needs operator (you are viewer)');
    expect(refused).not.toContain('Deploy shop'); // no confirmation was opened
  });

  it('an admin keeps every key', async () => {
    const d = await console(accessOf(policyState(), 'alice'));
    expect(statusBar(d)).toContain('alice: admin');
    expect(hintLine(d)).toContain('D deploy');
    await d.press('?');
    expect(await d.waitFor('[project.deploy]')).not.toContain('needs operator');
  });

  it('a broken access.yaml is shown in the status bar and every change key is refused', async () => {
    const d = await console(
      accessOf(
        { kind: 'broken', file: '/work/data/access.yaml', error: 'access.yaml:1:17: users.alice: bad' },
        'alice',
      ),
    );
    expect(statusBar(d)).toContain('access.yaml broken');
    expect(hintLine(d)).not.toContain('D deploy');
    await d.press('X');
    await d.waitFor('X Destroy everything of the project');
    expect(d.store.getState().ui.messages.at(-1)?.text).toBe(
      'X Destroy everything of the project (asks; protected: type its name): refused, access.yaml is broken: every change is refused',
    );
  });
});
