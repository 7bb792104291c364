import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

// Issue 11 §8, read back from a real terminal: ssh to a host that refuses says why in the console (ssh's own
// words, from its -E log), the Servers table says why the probe failed, and quitting leaves nothing of ssh on
// the shell behind the console.
const hasSsh = spawnSync('ssh', ['-V']).status === 0;
let deck: TmuxDeck | undefined;
let workspace: string | undefined;
afterEach(() => {
  deck?.close();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

/** A loopback port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!hasTmux || !hasSsh)('ssh to a host that refuses (tmux)', () => {
  it('shows ssh’s reason in the console and the probe’s in the table; the shell keeps nothing of it', async () => {
    const port = await closedPort();
    workspace = mkdtempSync(join(tmpdir(), 'infradeck-ssh-workspace-'));
    writeFileSync(
      join(workspace, 'servers.yaml'),
      `servers:\n  - name: refuser\n    host: 127.0.0.1\n    port: ${port}\n    project: web\n`,
    );
    deck = startTmuxDeck(80, 24, {}, { shell: true, workspace });
    const d = deck;
    const has = (text: string | RegExp) => () =>
      d.screen().some((l) => (typeof text === 'string' ? l.includes(text) : text.test(l)));
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
    d.keys('6');
    // The table's cell says why in a word; the line under it, for the cursor's row, in a sentence.
    await d.until('the refused probe', has(new RegExp(`^> refuser +ssh +127\\.0\\.0\\.1:${port} +refused`)));
    await d.until('the reason under the table', has(`refuser: connection refused on port ${port}`));

    d.keys('s');
    await d.until('ssh’s reason in the console', has('✗ ssh refuser: Connection refused (127.0.0.1 port'));
    // The console's whole frame comes back after the handover (its message line may be drawn a moment before).
    await d.until('the tab bar back', () => d.screen()[0].includes('1 Dash'));
    expect(d.screen().join('\n')).not.toContain('exited with 255');

    d.keys('q');
    await d.until('the shell', () => !d.screen()[0].includes('1 Dash'));
    await new Promise((r) => setTimeout(r, 300));
    const shell = d.screen().join('\n');
    expect(shell).toContain('BEFORE');
    expect(shell).not.toMatch(/Connection refused|connect to host/);
  });
});
