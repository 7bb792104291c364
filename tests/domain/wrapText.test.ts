import { describe, expect, it } from 'vitest';
import { twoLines, wrapText } from '../../src/domain/wrapText';

describe('wrapText', () => {
  it('breaks at spaces and keeps every word', () => {
    expect(wrapText('config.yaml:3:5: theme.accent: not a colour', 20)).toEqual([
      'config.yaml:3:5:',
      'theme.accent: not a',
      'colour',
    ]);
  });

  it('breaks a word longer than a line after a / or - in its second half, else where the line ends', () => {
    expect(wrapText('see /very/long/path/to/a/file', 10)).toEqual([
      'see',
      '/very/',
      'long/path/',
      'to/a/file',
    ]);
    // Not `(kept in .cache/timeline-pins.json` and `)` alone on the next line.
    expect(wrapText('(kept in .cache/timeline-pins.json)', 25)).toEqual([
      '(kept in',
      '.cache/timeline-',
      'pins.json)',
    ]);
    expect(wrapText('i-0123456789abcdef0123', 10)).toEqual(['i-01234567', '89abcdef01', '23']);
    expect(wrapText('日本語のテキスト', 5)).toEqual(['日本', '語の', 'テキ', 'スト']);
  });

  it('starts a new line at each newline and drops control sequences', () => {
    expect(wrapText('one\n\x1b[31mtwo\x1b[0m', 10)).toEqual(['one', 'two']);
  });

  it('drops the · joining two values where a line breaks: no line ends or starts with it', () => {
    expect(wrapText('run 1 · manual · started 14 s ago · /tmp/data/pipelines/broken.yaml', 34)).toEqual([
      'run 1 · manual · started 14 s ago',
      '/tmp/data/pipelines/broken.yaml',
    ]);
    expect(wrapText('run 1 · manual · started 14 s ago · /tmp/data/pipelines/broken.yaml', 35)).toEqual([
      'run 1 · manual · started 14 s ago',
      '/tmp/data/pipelines/broken.yaml',
    ]);
    expect(wrapText('a · b', 80)).toEqual(['a · b']);
  });

  it('twoLines keeps the rest as written on the second line, its · separators too', () => {
    const note =
      'restart-web.yaml: 2 targets in 2 waves · serial 1 · max fail 0% · pause 5s · timeout 2m · Enter starts it';
    const [first, second] = twoLines(note, 30);
    expect(first).toBe('restart-web.yaml: 2 targets in');
    // Not `2 waves · serial 1 · max fail 0% pause 5s timeout 2m …`: the values stay apart.
    expect(second).toBe('2 waves · serial 1 · max fail 0% · pause 5s · timeout 2m · Enter starts it');
  });
});
