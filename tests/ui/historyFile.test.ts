import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyFiles } from '../../src/services/storage/historyFile';
import { textScreen } from '../app/testScreens';
import { type DeckSession, startDeck } from '../harness/startDeck';

let dir: string;
let deck: DeckSession | undefined;
afterEach(() => {
  deck?.unmount();
  deck = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the prompts' history from one session to the next", () => {
  it('is kept per user under XDG_STATE_HOME, 0600, without the lines that hold a secret', () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-history-'));
    const history = historyFiles({ XDG_STATE_HOME: dir, HOME: '/nonexistent' });
    expect(history.load('palette')).toEqual([]);
    history.save('palette', [
      'jobs',
      'run curl -H "Authorization: Bearer tok-0123456789abcdef"',
      'profile prod',
    ]);
    const file = join(dir, 'infradeck', 'palette.history');
    expect(readFileSync(file, 'utf8')).toBe('jobs\nprofile prod\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'infradeck')).mode & 0o777).toBe(0o700);
    expect(history.load('palette')).toEqual(['jobs', 'profile prod']);
    expect(history.load('filter')).toEqual([]);
  });

  it('leaves the prompt working when the history cannot be written', () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-history-'));
    // The state folder is a file: nothing can be created under it.
    writeFileSync(join(dir, 'state'), 'not a folder');
    const history = historyFiles({ XDG_STATE_HOME: join(dir, 'state'), HOME: '/nonexistent' });
    expect(() => history.save('palette', ['jobs'])).not.toThrow();
    expect(history.load('palette')).toEqual([]);
  });

  it('gives ↑ at the : prompt the commands of the last session', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-history-'));
    const env = { XDG_STATE_HOME: dir, HOME: '/nonexistent' };
    const screens = [
      textScreen('home', 'Home', 'the home body'),
      textScreen('jobs', 'Jobs', 'the jobs body'),
    ];
    deck = await startDeck({ screens, services: { history: historyFiles(env) } });
    await deck.waitFor('the home body');
    await deck.press(':');
    await deck.type('jobs');
    await deck.press('enter');
    await deck.waitFor('the jobs body');
    deck.unmount();

    deck = await startDeck({ screens, services: { history: historyFiles(env) } });
    await deck.waitFor('the home body');
    await deck.press(':', 'up');
    await deck.waitFor((f) => f.split('\n').some((l) => l.startsWith(':jobs')));
  });
});
