import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { ScratchRepos } from '../git/scratchRepos';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubDeckBus } from '../harness/stubServices';
import { incidentEvents, type TimelineWorkspace, timelineWorkspace } from './timelineHarness';

let deck: DeckSession | undefined;
let bus: Bus | undefined;
let ws: TimelineWorkspace | undefined;
let repos: ScratchRepos | undefined;
afterEach(async () => {
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  bus = undefined;
  ws?.remove();
  ws = undefined;
  repos?.cleanup();
  repos = undefined;
});

const cursorLine = (frame: string) => frame.split('\n').find((l) => l.startsWith('> ')) ?? '';
/** The Timeline footer's line for the lane at the cursor. */
const footerAt = (frame: string) => frame.split('\n').find((l) => l.startsWith('▸')) ?? '';

describe('Esc on what Enter opened on another tab', () => {
  it('goes back to the Timeline with its cursor where it was', async () => {
    const now = Date.now();
    ws = timelineWorkspace(() => incidentEvents(now));
    deck = await startDeck({
      size: { columns: 80, rows: 24 },
      bus: stubDeckBus(),
      services: { timeline: ws.services },
    });
    const d = deck;
    await d.press('0');
    await d.waitFor('events/s');
    for (let i = 0; i < 120 && !footerAt(d.frame()).startsWith('▸deploys'); i++) await d.press('left');
    const footer = footerAt(d.frame());
    expect(footer).toMatch(/^▸deploys +\d\d:\d\d:\d\d queued deploy shop \(d-1\) · ada@jump1 · job 101/);
    await d.press('enter');
    await d.waitFor(() => d.store.getState().ui.tab === 'jobs');
    expect(d.store.getState().jobs.log?.jobId).toBe('101');
    await d.press('esc');
    const back = await d.waitFor('events/s');
    expect(d.store.getState().ui.tab).toBe('timeline');
    expect(footerAt(back)).toBe(footer);
    expect(d.store.getState().jobs.log).toBeUndefined();
  });

  it('goes back to the Timeline from a commit opened there, its cursor where it was', async () => {
    repos = new ScratchRepos();
    const app = repos.init('app');
    repos.commit(app, 'README.md', 'hello\n', 'first commit');
    repos.commit(app, 'NEWS', 'news\n', 'second: news');
    const data = repos.folder('workspace');
    writeFileSync(join(data, 'repos.yaml'), 'repos:\n  - path: ../app\n');
    const workspace = await openWorkspace({
      dataDir: data,
      configPath: join(data, 'no-config.yaml'),
      env: {},
    });
    ws = timelineWorkspace(() => []);
    // The scratch commits are dated 2023: the Timeline is told the first one was pushed 5 minutes ago.
    const hash = repos.shortHead(app, 'HEAD~1');
    ws.services.commits = async () => ({
      commits: [{ repo: 'app', hash, time: Date.now() - 5 * 60_000, author: 'ada', subject: 'first commit' }],
      errors: [],
    });
    deck = await startDeck({
      size: { columns: 80, rows: 24 },
      bus: stubDeckBus(),
      services: { ...workspace.services, timeline: ws.services },
    });
    const d = deck;
    await d.press('0');
    await d.waitFor('commits');
    for (let i = 0; i < 120 && !footerAt(d.frame()).startsWith('▸commits'); i++) await d.press('left');
    const footer = footerAt(d.frame());
    expect(footer).toMatch(/^▸commits +\d\d:\d\d:\d\d app [0-9a-f]{7} first commit/);
    await d.press('enter');
    await d.waitFor(`commit ${repos.git(app, 'rev-parse', 'HEAD~1').trim()}`);
    expect(d.store.getState().ui.tab).toBe('repos');
    await d.press('esc');
    const back = await d.waitFor((f) => footerAt(f) !== '');
    expect(d.store.getState().ui.tab).toBe('timeline');
    expect(footerAt(back)).toBe(footer);
    // The Repositories tab is left at its list, not at a commit or a repository nobody opened there.
    expect(d.store.getState().repos.details).toBeUndefined();
  });

  it('stays on the tab once another tab was shown in between (the way back was the tab key)', async () => {
    const made = memoryDeckBus();
    bus = made.bus;
    deck = await startDeck({ bus: made.deckBus, size: { columns: 120, rows: 30 } });
    const d = deck;
    await d.press(':');
    await d.type('run sh -c "exit 7"');
    await d.press('enter');
    await d.waitFor('failed');
    await d.press('1');
    await d.waitFor('Recent failures (1)');
    expect(cursorLine(d.frame())).toContain("sh -c 'exit 7'");
    await d.press('enter');
    await d.waitFor('FAILED');
    await d.press('3', '5');
    await d.waitFor('FAILED');
    await d.press('esc');
    await d.waitFor('PROGRESS');
    expect(d.store.getState().ui.tab).toBe('jobs');
  });
});
