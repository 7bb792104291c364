import { afterEach, describe, expect, it } from 'vitest';
import { identityText, placeText, problemSummary } from '../../src/app/StatusBar';
import type { DeckState } from '../../src/state/store';
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

  // The walkthrough saw `arn:aws:iam::000000…` at 120 columns and `arn:aws:iam::000000000000…` at 130 and 200.
  it('shows the ARN whole where it fits, else the account id alone: never a cut ARN', async () => {
    const arn = 'arn:aws:iam::000000000000:user/infradeck-demo (DEMO cloud, not AWS)';
    const cloud = {
      info: { kind: 'demo', label: 'DEMO', account: '000000000000', arn },
    } as unknown as DeckState['cloud'];
    const whole = ` 000000000000 ${arn} `;
    expect(identityText(cloud, whole.length)).toBe(whole);
    expect(identityText(cloud, whole.length - 1)).toBe(' 000000000000 ');
    expect(identityText(cloud, 40)).toBe(' 000000000000 ');
    expect(identityText(cloud, 14)).toBe(' 000000000000 ');
    expect(identityText(cloud, 13)).toBe('');
    const broken = {
      info: { kind: 'aws', label: 'AWS', problem: 'no credentials found' },
    } as unknown as DeckState['cloud'];
    expect(identityText(broken, 12)).toBe(' AWS: no cr…');

    for (const columns of [90, 110, 120, 130, 200]) {
      deck?.unmount();
      deck = await startDeck({ screens, size: { columns, rows: 24 } });
      await deck.waitFor('the home body');
      deck.store.setState((s) => ({
        workspace: { ...s.workspace, dataDir: '/srv/teams/platform/ops-workspace' },
        cloud: { ...s.cloud, info: { kind: 'demo', label: 'DEMO', account: '000000000000', arn } },
      }));
      const statusBar = () => deck!.lines()[23] ?? '';
      await deck.waitFor(() => statusBar().includes('000000000000'));
      // Whole or not at all.
      if (statusBar().includes('arn:')) expect(statusBar()).toContain(arn);
      if (columns === 90) expect(statusBar()).not.toContain('arn:');
      if (columns === 200) expect(statusBar()).toContain(arn);
      // An unread error takes room: the identity keeps at most 40 columns, the account alone.
      deck.store.getState().actions.ui.notify('error', 'scan: eu-west-1: access denied');
      await deck.waitFor(() => statusBar().includes(':messages'));
      expect(statusBar()).toContain(' 000000000000 ');
      expect(statusBar()).not.toContain('arn:');
    }
  });

  it('shortens the workspace path to its folder, then to the folder cut', () => {
    expect(placeText('/work/data', 20)).toBe(' /work/data ');
    expect(placeText('/srv/teams/platform/ops-workspace', 20)).toBe(' …/ops-workspace ');
    expect(placeText('/srv/teams/platform/ops-workspace', 10)).toBe(' ops-wor… ');
    expect(placeText('/work/data', 2)).toBe('');
    // Fewer than six characters of the name say nothing (`k…` at 79 columns, read-only): it gives way whole.
    expect(placeText('/tmp/keys-ws', 9)).toBe(' keys-ws ');
    expect(placeText('/tmp/keys-ws', 8)).toBe('');
    expect(placeText('/srv/ops-workspace', 9)).toBe(' ops-wo… ');
    expect(placeText('/srv/ops-workspace', 8)).toBe('');
  });

  it('says ! with only warnings unread and ✗ with an error among them, even when its text is gone', () => {
    expect(problemSummary(undefined, 3, 30, 'warn')).toBe(' ! 3 warnings: :messages ');
    expect(problemSummary(undefined, 1, 12, 'warn')).toBe(' ! 1 ');
    expect(problemSummary(undefined, 3, 30, 'error')).toBe(' ✗ 3 problems: :messages ');
  });
});
