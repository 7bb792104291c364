import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

// Issue 11 §12, read back from a real terminal emulator: the palette lists and selects, bad arguments are
// refused, the line editor edits in place, and a bracketed paste is text, never a key.
let deck: TmuxDeck | undefined;
afterEach(() => deck?.close());

const tableRow = /^[> ] ec2 /;
/** A palette row: a command and its description; `>` marks the selected one. */
const suggestion = /^[ >]\S.* — /;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Each test starts a console in its own tmux server: on a busy machine that alone takes seconds.
describe.skipIf(!hasTmux)('the palette and the line editor (tmux)', { timeout: 45_000 }, () => {
  it('lists more than five commands, ↓ selects one (drawn inverse) and Enter runs it', async () => {
    deck = startTmuxDeck(100, 30);
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'), 20_000);
    d.keys(':');
    await d.until('the palette', () => d.screen().filter((l) => suggestion.test(l)).length >= 8);
    expect(d.screen().some((l) => /^ \d+–\d+ of \d+ · ↑↓ select/.test(l))).toBe(true);
    d.keys('Down');
    await pause(100);
    d.keys('Down');
    await d.until('the second command selected', () => d.screen().some((l) => l.startsWith('>repos ')));
    const selected = d.screen(true).find((l) => l.includes('>repos'));
    expect(selected).toMatch(/\x1b\[7m>repos/); // inverse
    d.keys('Enter');
    await d.until('the Repositories tab', () => d.screen().some((l) => /repositor(y|ies) ·/.test(l)));
  });

  it('refuses :region mars-1 with what is wrong, and the region probably meant for a typo', async () => {
    deck = startTmuxDeck(100, 30);
    const d = deck;
    await d.until('the demo cloud', () => d.screen()[29].includes('000000000000'), 20_000);
    d.keys(':region mars-1');
    await pause(200);
    d.keys('Enter');
    await d.until('the refusal', () =>
      d.screen().some((l) => l.includes(':region mars-1: no such AWS region')),
    );
    d.keys(':region eu-wset-1');
    await pause(200);
    d.keys('Enter');
    await d.until('the region probably meant', () =>
      d.screen().some((l) => l.includes('did you mean eu-west-1?')),
    );
  });

  it('deletes the word before the cursor with Ctrl-W, and types where the cursor was moved to', async () => {
    deck = startTmuxDeck(100, 30);
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'), 20_000);
    const prompt = () => d.screen().find((l) => l.startsWith(':')) ?? '';
    d.keys(':');
    await d.until('the palette', () => prompt().startsWith(':█'));
    d.keys('run sleep 30');
    await d.until('the typed line', () => prompt().startsWith(':run sleep 30█'));
    d.keys('C-w');
    await d.until('the last word gone', () => prompt().startsWith(':run sleep █'));
    d.keys('Home');
    await pause(100);
    d.keys('M-f');
    await pause(100);
    d.keys('C-w');
    // The cursor stays where `run` was: on the space before `sleep`, drawn inverse.
    await d.until('the first word gone too', () => prompt().startsWith(': sleep'));
    const row = d.screen().findIndex((l) => l.startsWith(': sleep'));
    expect(d.screen(true)[row]).toMatch(/\x1b\[7m(\x1b\[\d+m)* \x1b\[0m.*sleep/);
    d.keys('Escape');
  });

  it('takes a bracketed paste ending in a line break into a typed confirmation without confirming', async () => {
    deck = startTmuxDeck(100, 30);
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'), 20_000);
    d.keys('3');
    await d.until('the Resources tab', () => d.screen().some((l) => tableRow.test(l)));
    d.keys('d');
    // What to type: the number of resources, or the project's name when the row belongs to one.
    const asked = () =>
      d
        .screen()
        .join('\n')
        .match(/Type (\S+) and press Enter/)?.[1];
    await d.until('the typed confirmation', () => asked() !== undefined);
    const word = asked() ?? '';
    // paste-buffer -p brackets the text only when the application asked for it (ESC [?2004h).
    d.tmux('set-buffer', '-b', 'pasted', `${word}\n`);
    d.tmux('paste-buffer', '-p', '-b', 'pasted', '-t', 'deck');
    await d.until('the pasted text', () => d.screen().some((l) => l.includes(`> ${word}█`)));
    await pause(500);
    expect(asked()).toBe(word);
    expect(d.screen().some((l) => /delete \d+ resources?.*queued/i.test(l))).toBe(false);
    d.keys('Escape');
    await d.until('the table again', () => d.screen().some((l) => tableRow.test(l)));
  });

  it("takes the old profile's error off the status bar once :demo works", async () => {
    deck = startTmuxDeck(100, 30, { AWS_PROFILE: 'nosuch' });
    const d = deck;
    const bottom = () => d.screen().slice(28).join('\n'); // the message line and the status bar
    await d.until('the profile error', () => bottom().includes('AWS profile "nosuch'), 20_000);
    d.keys(':demo');
    await pause(200);
    d.keys('Enter');
    await d.until('the demo cloud', () => d.screen()[29].includes('DEMO'));
    await pause(500);
    expect(d.screen()[29]).toContain('000000000000');
    expect(bottom()).not.toContain('AWS pro');
  });

  it(':jobs shows every job again after :jobs failed', async () => {
    deck = startTmuxDeck(100, 30);
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'), 20_000);
    const scanRow = () =>
      d.screen().some((l) => /completed .*scan all regions|scan all regions.*completed/.test(l));
    d.keys(':jobs failed');
    await pause(200);
    d.keys('Enter');
    await d.until('the failed jobs only', () => d.screen().some((l) => l.includes('No job failed')));
    d.keys(':jobs');
    await pause(200);
    d.keys('Enter');
    await d.until('every job', () => !d.screen().some((l) => l.includes('No job failed')) && scanRow());
  });
});
