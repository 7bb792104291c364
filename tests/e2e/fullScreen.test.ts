import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath } from '../harness/cliProcess';

// A real terminal emulator is what shows where each line lands: tmux draws the console, capture-pane reads
// the screen back. (tmux is installed on the machines this project is built on; elsewhere this is skipped.)
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `infradeck-test-${process.pid}`;
const size = { columns: 100, rows: 30 };

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}

function screen(): string[] {
  return tmux('capture-pane', '-p', '-t', 'deck').replace(/\n$/, '').split('\n');
}

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; the screen:\n${screen().join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let dir: string | undefined;
afterEach(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('the console in a terminal emulator (tmux)', () => {
  it('fills the screen exactly, tab bar on the first row and status bar on the last, frame after frame', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-tmux-'));
    const env = [
      `HOME=${dir}`,
      `XDG_CONFIG_HOME=${join(dir, 'config')}`,
      `XDG_STATE_HOME=${join(dir, 'state')}`,
    ];
    const command = ['env', ...env, process.execPath, cliPath, '--data', join(dir, 'data')]
      .map((word) => `'${word}'`)
      .join(' ');
    tmux('new-session', '-d', '-s', 'deck', '-x', String(size.columns), '-y', String(size.rows), command);
    const tabBarRows = () => screen().filter((line) => line.startsWith('infradeck  1 ')).length;
    const framed = () => {
      const lines = screen();
      return (
        lines[0].startsWith('infradeck  1 ') &&
        tabBarRows() === 1 &&
        lines[size.rows - 1].includes('in-process')
      );
    };
    await until('the first frame', framed);
    // Tabs, a table cursor, overlays, the palette: each frame rewrites some lines and leaves others.
    for (const key of ['2', 'j', '3', 'j', 'j', 'G', '5', '?', 'Escape', ':', 'Escape', '6', '1', '4', '1']) {
      tmux('send-keys', '-t', 'deck', key);
      await new Promise((r) => setTimeout(r, 150));
      await until(`a whole frame after ${key}`, framed, 3_000);
      expect(screen()).toHaveLength(size.rows);
    }
    tmux('resize-window', '-t', 'deck', '-x', '90', '-y', '24');
    await until('the frame at 90x24', () => {
      const lines = screen();
      return lines.length === 24 && lines[0].startsWith('infradeck  1 ') && lines[23].includes('in-process');
    });
    tmux('send-keys', '-t', 'deck', 'q');
    await until(
      'the console to quit',
      () => spawnSync('tmux', ['-L', socket, 'has-session', '-t', 'deck']).status !== 0,
    );
  });
});
