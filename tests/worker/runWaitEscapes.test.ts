import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/run';
import { Capture } from '../harness/capture';

describe('run --wait and escape sequences', () => {
  it('shows job output without escape or control sequences: no title, clear screen or clipboard write', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    // A title (OSC 0), a screen clear, a clipboard write (OSC 52), colour, a bell, and the same on stderr.
    const script = [
      String.raw`printf '\033]0;pwned title\007\033[2J\033[Hhello \033]52;c;ZWNobyBwd25lZA==\007\033[31mworld\033[0m\007\n'`,
      String.raw`printf '\033]52;c;ZXZpbA==\033\\oops \033[1;1Hon stderr\n' >&2`,
      String.raw`printf '\033[?1049h\033cexit\n'; exit 3`,
    ].join('; ');
    const code = await runCommand(['--wait', '--shell', '--', script], {
      stdout,
      stderr,
      env: { USER: 'alice', INFRADECK_READONLY: '' },
    });
    expect(code).toBe(3);
    expect(stdout.text).toBe('hello world\nexit\n');
    expect(stderr.text).toContain('oops on stderr\n');
    for (const text of [stdout.text, stderr.text]) {
      expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    }
  });
});
