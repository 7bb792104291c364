/** A fixed-capacity FIFO: pushing past capacity evicts the oldest items and counts them in `dropped`. */
export class RingBuffer<T> implements Iterable<T> {
  readonly capacity: number;
  private readonly items: (T | undefined)[];
  private head = 0; // index of the oldest kept item
  private size = 0;
  private evicted = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.items = new Array(capacity);
  }

  /** How many items are kept now (at most `capacity`). */
  get length(): number {
    return this.size;
  }

  /** How many items were evicted since creation (or the last `clear`). */
  get dropped(): number {
    return this.evicted;
  }

  push(...items: T[]): void {
    this.pushAll(items);
  }

  /** Like `push`, without spreading: use it for large batches. */
  pushAll(items: readonly T[]): void {
    let from = 0;
    if (items.length > this.capacity) {
      // Only the last `capacity` items can survive; the rest count as evicted without being written.
      from = items.length - this.capacity;
      this.evicted += from;
    }
    for (let i = from; i < items.length; i++) {
      const tail = (this.head + this.size) % this.capacity;
      this.items[tail] = items[i];
      if (this.size < this.capacity) {
        this.size++;
      } else {
        this.head = (this.head + 1) % this.capacity;
        this.evicted++;
      }
    }
  }

  /** Item `i` counted from the oldest kept one (negative counts from the newest: -1 is the last pushed). */
  at(i: number): T | undefined {
    const k = Math.trunc(i < 0 ? this.size + i : i);
    if (!(k >= 0 && k < this.size)) return undefined;
    return this.items[(this.head + k) % this.capacity];
  }

  /** Same semantics as Array.prototype.slice over the kept items. */
  slice(start = 0, end = this.size): T[] {
    const norm = (x: number) => {
      const t = Math.trunc(x) || 0;
      return t < 0 ? Math.max(0, this.size + t) : Math.min(t, this.size);
    };
    const from = norm(start);
    const to = norm(end);
    const out: T[] = [];
    for (let k = from; k < to; k++) out.push(this.items[(this.head + k) % this.capacity] as T);
    return out;
  }

  toArray(): T[] {
    return this.slice();
  }

  /** Empties the buffer and resets `dropped`. */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
    this.evicted = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let k = 0; k < this.size; k++) yield this.items[(this.head + k) % this.capacity] as T;
  }
}
