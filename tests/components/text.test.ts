import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import {
  displayWidth,
  FUTURE_SLACK_MS,
  fitWidth,
  formatAge,
  formatAgeAgo,
  formatAgo,
  stripControl,
} from '../../src/domain/text';

describe('stripControl', () => {
  it('leaves ordinary text alone', () => {
    expect(stripControl('deploy web-1 to eu-west-1: ok ✓ 日本')).toBe('deploy web-1 to eu-west-1: ok ✓ 日本');
  });

  it('removes colour, cursor and erase CSI sequences', () => {
    expect(stripControl('\x1b[1;31merror\x1b[0m: \x1b[2Kdisk \x1b[?25lfull\x1b[38:2:255:0:0m!')).toBe(
      'error: disk full!',
    );
  });

  it('removes OSC sequences ended by BEL or by ST (hyperlinks, titles)', () => {
    expect(
      stripControl('\x1b]0;my title\x07build \x1b]8;;https://x.test/a\x1b\\link\x1b]8;;\x1b\\ done'),
    ).toBe('build link done');
  });

  it('removes DCS/APC strings, two-character escapes and charset selections', () => {
    expect(stripControl('a\x1bPq#0;2;0;0;0\x1b\\b\x1b_apc\x1b\\c\x1b7d\x1b8e\x1b(Bf\x1b=g')).toBe('abcdefg');
  });

  it('keeps the text of an unterminated OSC rather than hiding the rest of the line', () => {
    expect(stripControl('x\x1b]0;title never ends')).toBe('x0;title never ends');
  });

  it('drops a lone trailing ESC and C1 controls, including 8-bit CSI', () => {
    expect(stripControl('tail\x1b')).toBe('tail');
    expect(stripControl('a\u009b31mb\u0085c\u009d0;t\u0007d')).toBe('abcd');
  });

  it('removes C0 controls and DEL, expands tabs to 8-column stops', () => {
    expect(stripControl('a\x00b\x07c\x08d\x7fe\x0bf\nz')).toBe('abcdefz');
    expect(stripControl('ab\tc')).toBe('ab      c');
    expect(stripControl('\tx')).toBe('        x');
    // the wide character counts as two columns for the tab stop
    expect(stripControl('日本\tx')).toBe('日本    x');
  });

  it('shows the last state of a carriage-return progress line', () => {
    expect(stripControl('10%\r20%\r\x1b[K30%')).toBe('30%');
    expect(stripControl('done\r')).toBe('done');
    expect(stripControl('line\r\n')).toBe('line');
  });

  it('turns lone surrogates and noncharacters into U+FFFD, keeps emoji pairs', () => {
    expect(stripControl('a\ud800b\udc00c\uffffd')).toBe('a\ufffdb\ufffdc\ufffdd');
    expect(stripControl('ok 👍\x1b[0m')).toBe('ok 👍');
  });

  it('removes bidi overrides that could reorder what the operator reads', () => {
    expect(stripControl('admin\u202e}txt.exe\u202c')).toBe('admin}txt.exe');
  });

  it('makes arbitrary binary printable: every output character has a display width', () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const out = stripControl(new TextDecoder().decode(bytes));
    expect(out).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/);
    expect(out).toContain('\ufffd');
    expect(stringWidth(out)).toBeGreaterThan(0);
    for (const ch of out) expect(ch === '\ufffd' || ch.codePointAt(0)! >= 0x20).toBe(true);
  });
});

describe('fitWidth', () => {
  it('pads to exactly the width, left or right', () => {
    expect(fitWidth('web', 6)).toBe('web   ');
    expect(fitWidth('42', 5, 'right')).toBe('   42');
  });

  it('truncates with an ellipsis', () => {
    expect(fitWidth('i-0123456789abcdef', 8)).toBe('i-01234…');
    expect(fitWidth('abc', 1)).toBe('…');
    expect(fitWidth('abc', 0)).toBe('');
    expect(fitWidth('abc', -3)).toBe('');
  });

  it('counts wide CJK and emoji as two columns and never splits one', () => {
    expect(displayWidth('日本語')).toBe(6);
    const cut = fitWidth('日本語テキスト', 6);
    expect(stringWidth(cut)).toBe(6);
    expect(cut).toBe('日本… ');
    const emoji = fitWidth('👍👍👍x', 5);
    expect(stringWidth(emoji)).toBe(5);
    expect(emoji).toBe('👍👍…');
    expect(fitWidth('👨‍👩‍👧 family', 4)).toBe('👨‍👩‍👧 …');
  });

  it('always returns one line of exactly `width` columns, even from hostile text', () => {
    for (const s of ['a\nb\nc', '\x1b[31mred\x1b[0m and more', '\t\ttabs', 'x'.repeat(500), '日本\r\n語']) {
      for (const w of [1, 2, 7, 40]) {
        const out = fitWidth(s, w);
        expect(out).not.toContain('\n');
        expect(out).not.toContain('\x1b');
        expect(stringWidth(out)).toBe(w);
      }
    }
  });
});

describe('formatAge', () => {
  it('uses the largest whole unit', () => {
    expect(formatAge(5 * 1000)).toBe('5s');
    expect(formatAge(59.9 * 1000)).toBe('59s');
    expect(formatAge((3 * 60 + 10) * 1000)).toBe('3m');
    expect(formatAge((2 * 3600 + 59 * 60) * 1000)).toBe('2h');
    expect(formatAge(4 * 86400 * 1000)).toBe('4d');
    expect(formatAge((3 * 7 * 86400 + 100) * 1000)).toBe('3w');
    expect(formatAge((2 * 365 * 86400 + 5) * 1000)).toBe('2y');
  });

  it('reads a time a few seconds ahead (a clock tick behind, hosts drifting) as 0s', () => {
    expect(formatAge(-500)).toBe('0s');
    expect(formatAge(-FUTURE_SLACK_MS)).toBe('0s');
  });

  it('gives no age to a time further in the future (clock skew, bad cached data), nor to garbage', () => {
    expect(formatAge(-FUTURE_SLACK_MS - 1)).toBe('-');
    expect(formatAge(-30 * 1000)).toBe('-');
    expect(formatAge(-2 * 3600 * 1000)).toBe('-');
    expect(formatAge(Number.NaN)).toBe('-');
    expect(formatAge(Number.POSITIVE_INFINITY)).toBe('-');
  });
});

describe('formatAgeAgo', () => {
  it('is a compact age that says ago, or - with no honest age (never `- ago`)', () => {
    expect(formatAgeAgo(3 * 60_000)).toBe('3m ago');
    expect(formatAgeAgo(-2 * 3_600_000)).toBe('-');
    expect(formatAgeAgo(Number.NaN)).toBe('-');
  });
});

describe('formatAgo', () => {
  it('says how long ago in words', () => {
    expect(formatAgo(0)).toBe('just now');
    expect(formatAgo(42_000)).toBe('42 s ago');
    expect(formatAgo(3 * 60_000)).toBe('3 min ago');
    expect(formatAgo(5 * 3_600_000)).toBe('5 h ago');
    expect(formatAgo(2 * 86_400_000)).toBe('2 d ago');
  });

  it('follows the rule of formatAge for a time ahead: just now within seconds, then in the future and by how much', () => {
    expect(formatAgo(-FUTURE_SLACK_MS)).toBe('just now');
    expect(formatAgo(-42_000)).toBe('42 s in the future');
    expect(formatAgo(-2 * 3_600_000 - 5_000)).toBe('2 h in the future');
    expect(formatAgo(Number.NaN)).toBe('at an unknown time');
  });
});
