import { describe, expect, it } from 'vitest';
import { readSerialText, type SerialStep, serialText } from '../../src/domain/batchSerial';
import { splitIntoWaves, waveNumbers, waveSizes } from '../../src/domain/batchWaves';

/** `serial:` as a person writes it, through the same reader as `--serial`. */
function serial(text: string): SerialStep[] {
  const read = readSerialText(text);
  if (!read.ok) throw new Error(read.message);
  return read.value;
}

describe('wave sizes, as Ansible sizes its serial batches', () => {
  // Each case checked against ansible/ansible _get_serialized_batches + pct_to_int.
  const parity: [string, number, number[]][] = [
    ['3', 10, [3, 3, 3, 1]],
    ['30%', 10, [3, 3, 3, 1]],
    ['1,10%,50%', 20, [1, 2, 10, 7]],
    ['25%', 3, [1, 1, 1]],
    ['100%', 7, [7]],
    ['50%', 5, [2, 2, 1]],
    ['1,2,3', 10, [1, 2, 3, 3, 1]],
    ['5', 3, [3]],
    ['1', 1, [1]],
    // 29/100*100 is 28.999… in floating point and Python's int() truncates it: Ansible makes 28.
    ['29%', 100, [28, 28, 28, 16]],
    ['1%', 10, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ];
  for (const [written, total, sizes] of parity) {
    it(`serial ${written} of ${total} targets: ${sizes.join(', ')}`, () => {
      expect(waveSizes(serial(written), total)).toEqual(sizes);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
    });
  }

  it('without serial every target is in one wave; no targets, no waves', () => {
    expect(waveSizes([], 12)).toEqual([12]);
    expect(waveSizes(serial('3'), 0)).toEqual([]);
    expect(waveSizes([], 0)).toEqual([]);
  });

  it('a percentage is of all the targets, not of those left', () => {
    // 50% of 20 is 10 each time; of those left it would be 10, 5, 3, 1, 1.
    expect(waveSizes(serial('50%'), 20)).toEqual([10, 10]);
    expect(waveSizes(serial('1,25%'), 20)).toEqual([1, 5, 5, 5, 4]);
  });

  it('splits the ordered targets into waves, keeping their order', () => {
    const targets = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(splitIntoWaves(targets, serial('1,50%'))).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f', 'g']]);
    expect(splitIntoWaves(targets, [])).toEqual([targets]);
    expect(waveNumbers(serial('2'), 5)).toEqual([1, 1, 2, 2, 3]);
  });

  it('reads serial as typed and writes it back', () => {
    expect(serial('1, 10% ,50%')).toEqual([{ count: 1 }, { percent: 10 }, { percent: 50 }]);
    expect(serialText(serial('1,10%,50%'))).toBe('1, 10%, 50%');
    expect(serialText([])).toBe('all at once');
    expect(readSerialText('')).toEqual({
      ok: false,
      message: 'expected a number of targets (like 3) or a percentage of them (like "25%"), got nothing',
    });
    expect(readSerialText('0')).toEqual({ ok: false, message: 'must be at least 1, got "0"' });
    expect(readSerialText('-25%')).toEqual({
      ok: false,
      message: 'a percentage must be more than 0%, got "-25%"',
    });
  });
});
