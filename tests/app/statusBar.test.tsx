import { afterEach, describe, expect, it } from 'vitest';
import { placeText, problemSummary } from '../../src/app/StatusBar';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { textScreen } from './testScreens';

const screens = [textScreen('home', 'Home', 'the home body')];

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

describe('the status bar', () => {
  it('marks unread warnings with ! and turns to ✗ once an error comes', async () => {
    deck = await startDeck({ screens, size: { columns: 80, rows: 24 } });
    await deck.waitFor('the home body');
    const { notify } = deck.store.getState().actions.ui;
    notify('warn', 'timeline: no commits from 2 repositories');
    notify('warn', 'pipelines: cannot read origin');
    const statusBar = () => deck!.lines()[23] ?? '';
    await deck.waitFor(() => statusBar().includes(':messages'));
    expect(statusBar()).toMatch(/ ! 2 warnings: :messages /);
    expect(statusBar()).not.toContain('✗');

    notify('error', 'scan: eu-west-1: access denied');
    await deck.waitFor(() => statusBar().includes('✗'));
    expect(statusBar()).toMatch(/ ✗ scan: eu-west-1: access denied \(\+2 more: :messages\) /);
  });

  it('at 60 columns keeps the account id whole or leaves it out, and names the workspace by its folder', async () => {
    deck = await startDeck({ screens, size: { columns: 60, rows: 20 } });
    await deck.waitFor('the home body');
    deck.store.setState((s) => ({
      workspace: { ...s.workspace, dataDir: '/srv/teams/platform/ops-workspace' },
      cloud: {
        ...s.cloud,
        info: {
          kind: 'demo',
          label: 'DEMO',
          account: '123456789012',
          arn: 'arn:aws:iam::123456789012:user/ada',
        },
      },
    }));
    const statusBar = () => deck!.lines()[19] ?? '';
    await deck.waitFor(() => statusBar().includes('123456789012'));
    expect(statusBar()).toContain('…/ops-workspace');
    // An unread error takes room: the account goes whole, never cut.
    deck.store.getState().actions.ui.notify('error', 'scan: eu-west-1: access denied');
    await deck.waitFor(() => statusBar().includes(':messages'));
    expect(statusBar()).not.toMatch(/\b\d{1,11}…/);
  });

  it('shortens the workspace path to its folder, then to the folder cut', () => {
    expect(placeText('/work/data', 20)).toBe(' /work/data ');
    expect(placeText('/srv/teams/platform/ops-workspace', 20)).toBe(' …/ops-workspace ');
    expect(placeText('/srv/teams/platform/ops-workspace', 10)).toBe(' ops-wor… ');
    expect(placeText('/work/data', 2)).toBe('');
  });

  it('says ! with only warnings unread and ✗ with an error among them, even when its text is gone', () => {
    expect(problemSummary(undefined, 3, 30, 'warn')).toBe(' ! 3 warnings: :messages ');
    expect(problemSummary(undefined, 1, 12, 'warn')).toBe(' ! 1 ');
    expect(problemSummary(undefined, 3, 30, 'error')).toBe(' ✗ 3 problems: :messages ');
  });
});
