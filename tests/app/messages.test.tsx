import stringWidth from 'string-width';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compactProblem, problemLine, shownToast, toastMs } from '../../src/app/MessageLine';
import { messageRows } from '../../src/app/MessagesView';
import { problemSummary } from '../../src/app/StatusBar';
import { messageLimit } from '../../src/state/slices/ui';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { textScreen } from './testScreens';

const screens = [textScreen('home', 'Home', 'the home body'), textScreen('jobs', 'Jobs', 'the jobs body')];
const file = '/home/op/.config/infradeck/config.yaml';
const startupErrors = [
  `${file}:3:3: theme.x: unknown key "x" (allowed: accent, noColor)`,
  `${file}:5:13: keys["nav.down"]: "ctrl+shift+Q" is not a key name; did you mean "ctrl-q"? (terminals send Ctrl-Shift-Q as Ctrl-Q); nav.down keeps j, down`,
  `${file}:7:10: keys["tab.1"]: "?" is already bound to app.help (Keys of this screen); tab.1 keeps 1`,
];

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

/** The rows of the frame joined back into one text, the wrapping undone. */
const unwrapped = (lines: string[]) =>
  lines
    .map((l) => l.trim())
    .join(' ')
    .replace(/\s+/g, ' ');

describe(':messages and the problems on the bottom lines', () => {
  it('keeps every start-up problem readable: the newest on the message line, the count in the status bar', async () => {
    deck = await startDeck({ screens, startupErrors, size: { columns: 80, rows: 24 } });
    // The frame drawn at 80x24 (the harness's first one may still be at its default width).
    const f = await deck.waitFor(
      (frame) => frame.includes('the home body') && frame.split('\n').length === 24,
    );
    const lines = f.split('\n');
    // The message line names the file only; :messages has the whole path.
    expect(lines[22]).toMatch(
      /^✗ config\.yaml:7:10: keys\["tab\.1"\]: "\?" is already bound to.*… \(\+2 more: :messages\)$/,
    );
    expect(lines[23]).toMatch(/ ✗ config\.yaml:7:10: .*… \(\+2 more: :messages\) /);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(80);
  });

  it('lists every problem in :messages, whole and wrapped to the width, and marks them read', async () => {
    deck = await startDeck({ screens, startupErrors, size: { columns: 80, rows: 24 } });
    await deck.waitFor('the home body');
    await deck.press(':');
    await deck.type('messages');
    await deck.press('enter');
    const f = await deck.waitFor('Messages: 3 errors, 0 warnings');
    const text = unwrapped(f.split('\n'));
    for (const e of startupErrors) expect(text).toContain(e);
    expect(f).toMatch(/\d\d:\d\d:\d\d error \/home\/op/);
    for (const l of f.split('\n')) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    expect(deck.store.getState().ui.unreadMessages).toBe(0);
    await deck.press('esc');
    const after = await deck.waitFor('the home body');
    expect(after.split('\n')[23]).not.toContain('✗');
  });

  it('scrolls a long list with the log keys, opening at the newest', async () => {
    deck = await startDeck({ screens, size: { columns: 80, rows: 24 } });
    for (let i = 1; i <= 40; i++)
      deck.store.getState().actions.ui.notify(i % 2 ? 'error' : 'warn', `problem number ${i}`);
    await deck.press(':');
    await deck.type('mes');
    await deck.press('enter');
    // The view's rows, without the message line (which shows the newest toast).
    const view = (frame: string) => frame.split('\n').slice(1, 22).join('\n');
    let f = await deck.waitFor((frame) => view(frame).includes('problem number 40'));
    expect(view(f)).not.toMatch(/problem number 1$/m);
    expect(f).toContain('20 errors, 20 warnings');
    await deck.press('g');
    f = await deck.waitFor(/problem number 1$/m);
    expect(view(f)).not.toContain('problem number 40');
    expect(f).toMatch(/\d+ more lines below/);
    await deck.press('G');
    await deck.waitFor((frame) => view(frame).includes('problem number 40'));
  });

  it("? lists the messages' own keys over them, not the covered tab's, and Esc comes back to them", async () => {
    const homeKeys = { ...textScreen('home', 'Home', 'the home body'), scopes: ['table'] };
    deck = await startDeck({ screens: [homeKeys], size: { columns: 80, rows: 24 } });
    deck.store.getState().actions.ui.notify('warn', 'something to read');
    await deck.press(':');
    await deck.type('messages');
    await deck.press('enter');
    await deck.waitFor('Messages: 0 errors, 1 warning');
    await deck.press('?');
    const help = await deck.waitFor('Messages (:messages)');
    expect(help).toMatch(/Esc q +Close the messages \(not the console\)/);
    expect(help).toMatch(/j ↓ +Scroll down/);
    expect(help).toMatch(/G End +Bottom/);
    // The tab under the messages has a table: its keys do nothing here, so they are not listed; `q` closes the
    // messages, so it is not the global quit either.
    expect(help).not.toMatch(/\[table\.|\[app\.quit\]/);
    // `q` closes the help too, and the help says so.
    expect(help).toContain('Esc, ? or q closes');
    await deck.press('esc');
    await deck.waitFor('Messages: 0 errors, 1 warning');
    expect(deck.frame()).toContain('something to read');
    await deck.press('q');
    await deck.waitFor('the home body');
  });

  it('says so when there is nothing to read', async () => {
    deck = await startDeck({ screens });
    await deck.press(':');
    await deck.type('messages');
    await deck.press('enter');
    await deck.waitFor('No warnings or errors in this session.');
  });

  it('takes a note down when its time is up, even when the timer fires before the clock gets there', async () => {
    deck = await startDeck({ screens, size: { columns: 80, rows: 24 } });
    await deck.waitFor('the home body');
    deck.store.getState().actions.ui.notify('info', 'scan: job 7 queued');
    await deck.waitFor('✓ scan: job 7 queued');
    // From here the wall clock reads 50 ms behind the timers, as libuv's millisecond clock can.
    const realNow = Date.now.bind(Date);
    const lagging = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 50);
    try {
      const f = await deck.waitFor((frame) => !frame.includes('scan: job 7 queued'), toastMs + 3000);
      expect(f).toContain('the home body');
    } finally {
      lagging.mockRestore();
    }
  }, 15_000);

  it('keeps one line in :messages for a problem reported twice at once (two readers of one file); later, two', async () => {
    const real = Date.now.bind(Date);
    let later = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => real() + later);
    deck = await startDeck({ screens });
    const { notify } = deck.store.getState().actions.ui;
    const problem = 'repos.yaml:3:1: repos[0]: expected a mapping';
    notify('error', problem);
    notify('warn', 'something else');
    notify('error', problem);
    expect(deck.store.getState().ui.messages.map((m) => m.text)).toEqual([problem, 'something else']);
    // Each report still shows on the message line: it may answer a key.
    expect(deck.store.getState().ui.toasts.filter((t) => t.text === problem)).toHaveLength(2);
    expect(deck.store.getState().ui.unreadMessages).toBe(2);
    later = 5_000;
    notify('error', problem);
    expect(deck.store.getState().ui.messages.map((m) => m.text)).toEqual([
      problem,
      'something else',
      problem,
    ]);
    clock.mockRestore();
  });

  it('keeps warnings and errors, not notes, and only the newest ones past the limit', async () => {
    deck = await startDeck({ screens });
    const { notify } = deck.store.getState().actions.ui;
    notify('info', 'job 1 queued');
    notify('warn', 'careful');
    expect(deck.store.getState().ui.messages.map((m) => m.text)).toEqual(['careful']);
    for (let i = 0; i < messageLimit + 10; i++) notify('error', `e${i}`);
    const { messages, unreadMessages } = deck.store.getState().ui;
    expect(messages).toHaveLength(messageLimit);
    expect(messages[0].text).toBe('e10');
    expect(messages[messages.length - 1].text).toBe(`e${messageLimit + 9}`);
    expect(unreadMessages).toBe(messageLimit);
  });
});

describe('the problem lines', () => {
  const toast = (level: 'info' | 'warn' | 'error', text: string, at: number) => ({ id: at, level, text, at });

  it('shows the newest toast, and a problem again once a later note is gone', () => {
    const toasts = [toast('error', 'bad', 1000), toast('info', 'queued', 2000)];
    expect(shownToast(toasts, 3000)?.text).toBe('queued');
    expect(shownToast(toasts, 6500)?.text).toBe('queued');
    expect(shownToast(toasts, 7500)?.text).toBe('bad');
    expect(shownToast(toasts, 11_500)).toBeUndefined();
    expect(shownToast([toast('info', 'queued', 2000)], 3000)?.text).toBe('queued');
  });

  it('cuts a long problem before where to read it, never the pointer', () => {
    const long = toast('error', `config.yaml:4:10: refresh.repos: ${'x'.repeat(100)}`, 0);
    const line = problemLine(long, 1, 60);
    expect(line).toHaveLength(60);
    expect(line).toMatch(/^✗ config\.yaml:4:10: refresh\.repos: x+… \(:messages\)$/);
    expect(problemLine(toast('warn', 'short', 0), 1, 40).trimEnd()).toBe('! short');
    expect(problemLine(toast('warn', 'short', 0), 3, 40).trimEnd()).toBe('! short (+2 more: :messages)');
  });

  it('cuts a problem before a word with a digit, not in it: an id cut short would name another', () => {
    const line = problemLine(
      toast('error', 'scan: access denied to subnet-0123456789abcdef0 in eu-west-1', 0),
      1,
      50,
    );
    expect(line.trimEnd()).toBe('✗ scan: access denied to … (:messages)');
  });

  it('gives the status bar the last error and the count, or the count alone when room is short', () => {
    const text = 'config.yaml:4:10: refresh.repos: expected a number, got "soon"';
    expect(problemSummary(text, 3, 200)).toBe(` ✗ ${text} (+2 more: :messages) `);
    expect(problemSummary(text, 1, 40)).toBe(' ✗ config.yaml:4:10: refre… (:messages) ');
    expect(problemSummary(text, 3, 30)).toBe(' ✗ 3 problems: :messages ');
    expect(problemSummary(text, 3, 16)).toBe(' ✗ 3 :messages ');
    expect(problemSummary(undefined, 2, 30)).toBe(' ✗ 2 problems: :messages ');
    expect(problemSummary(undefined, 0, 30)).toBe('');
  });

  it('names only the file of a problem on the one-line views', () => {
    expect(compactProblem('/home/op/.config/infradeck/config.yaml:4:10: x: bad /a/b')).toBe(
      'config.yaml:4:10: x: bad /a/b',
    );
    expect(compactProblem('~/infra/projects/web.yaml:2:1: bad')).toBe('web.yaml:2:1: bad');
    expect(compactProblem('run ls: /bin/ls:1 failed')).toBe('run ls: /bin/ls:1 failed');
    expect(compactProblem('/etc/config.yaml: permission denied')).toBe('config.yaml: permission denied');
    expect(compactProblem('/etc/config.yaml:permission')).toBe('/etc/config.yaml:permission');
  });

  it('wraps a message under its time and level, losing nothing', () => {
    const text = `/a/very/long/path/to/the/config/file/of/someone/${'deep/'.repeat(10)}config.yaml:4:10: keys["nav.down"]: bad`;
    const rows = messageRows({ id: 1, level: 'error', text, at: 0 }, 50);
    for (const r of rows) expect(stringWidth(r.text)).toBeLessThanOrEqual(50);
    expect(rows[0].text).toMatch(/^\d\d:\d\d:\d\d error /);
    expect(
      rows
        .map((r) => r.text.slice(15))
        .join('')
        .replace(/ /g, ''),
    ).toBe(text.replace(/ /g, ''));
  });
});
