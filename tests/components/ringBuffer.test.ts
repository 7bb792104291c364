import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/domain/ringBuffer';

describe('RingBuffer', () => {
  it('keeps the newest items up to capacity and counts what it evicted', () => {
    const log = new RingBuffer<string>(3);
    log.push('a', 'b');
    expect(log.length).toBe(2);
    expect(log.dropped).toBe(0);
    log.push('c', 'd', 'e');
    expect(log.toArray()).toEqual(['c', 'd', 'e']);
    expect(log.length).toBe(3);
    expect(log.dropped).toBe(2);
    expect(log.at(0)).toBe('c');
    expect(log.at(2)).toBe('e');
    expect(log.at(-1)).toBe('e');
    expect(log.at(3)).toBeUndefined();
    expect(log.at(-4)).toBeUndefined();
  });

  it('slices like an array over the kept items, across the wrap point', () => {
    const buf = new RingBuffer<number>(5);
    for (let i = 0; i < 12; i++) buf.push(i);
    expect(buf.toArray()).toEqual([7, 8, 9, 10, 11]);
    expect(buf.slice(1, 3)).toEqual([8, 9]);
    expect(buf.slice(-2)).toEqual([10, 11]);
    expect(buf.slice(3, 100)).toEqual([10, 11]);
    expect(buf.slice(4, 2)).toEqual([]);
    expect([...buf]).toEqual([7, 8, 9, 10, 11]);
  });

  it('takes a batch larger than its capacity', () => {
    const buf = new RingBuffer<number>(4);
    buf.push(-1, -2);
    buf.pushAll(Array.from({ length: 100_000 }, (_, i) => i));
    expect(buf.toArray()).toEqual([99_996, 99_997, 99_998, 99_999]);
    expect(buf.dropped).toBe(100_002 - 4);
  });

  it('stays bounded under a long stream', () => {
    const buf = new RingBuffer<string>(1000);
    for (let i = 0; i < 250_000; i++) buf.push(`line ${i}`);
    expect(buf.length).toBe(1000);
    expect(buf.dropped).toBe(249_000);
    expect(buf.at(0)).toBe('line 249000');
    expect(buf.at(-1)).toBe('line 249999');
  });

  it('clear empties it and resets the dropped count', () => {
    const buf = new RingBuffer<number>(2);
    buf.push(1, 2, 3);
    buf.clear();
    expect(buf.length).toBe(0);
    expect(buf.dropped).toBe(0);
    expect(buf.toArray()).toEqual([]);
    buf.push(9);
    expect(buf.toArray()).toEqual([9]);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(/positive integer, got 0/);
    expect(() => new RingBuffer(2.5)).toThrow(RangeError);
  });
});
