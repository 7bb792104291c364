import { describe, expect, it } from 'vitest';
import { lineBatch } from '../../src/commands/lineBatch';

describe('lineBatch', () => {
  it('writes the lines of one turn of the event loop in one write, in order, and each later turn in its own', async () => {
    const writes: string[] = [];
    const out = lineBatch({ write: (text: string) => writes.push(text) });
    out.write('a\n');
    out.write('b\n');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\n']);
    out.write('c\n');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('flush writes what is pending at once, and nothing when nothing is', () => {
    const writes: string[] = [];
    const out = lineBatch({ write: (text: string) => writes.push(text) });
    out.flush();
    out.write('last\n');
    out.flush();
    expect(writes).toEqual(['last\n']);
  });
});
