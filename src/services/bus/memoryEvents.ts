import { compareEventIds, type DeckEvent, type NewEvent } from '../../domain/event';
import type { EventBus, SubscribeOptions, Unsubscribe } from './contracts';

/** Makes ids shaped like Redis stream ids (`<ms>-<seq>`), strictly increasing even if the clock steps back. */
export class StreamIdClock {
  private lastMs = 0;
  private seq = 0;

  next(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.lastMs}-${this.seq}`;
  }
}

interface Subscriber {
  after: string | undefined;
  onEvent: (event: DeckEvent) => void;
}

/**
 * The event stream in memory: a capped log plus live delivery. Delivery goes through one queue, so an event
 * published from inside a subscriber's callback reaches every subscriber after the one being delivered:
 * every subscriber sees every event in id order, exactly once.
 */
export class MemoryEventBus implements EventBus {
  private readonly log: DeckEvent[] = [];
  private readonly clock = new StreamIdClock();
  private readonly subscribers = new Set<Subscriber>();
  private readonly pending: DeckEvent[] = [];
  private delivering = false;
  /** Id of the newest event trimmed off the front (to tell a late subscriber it missed some). */
  private trimmedUpTo: string | undefined;

  constructor(private readonly maxLen = 20_000) {}

  async publish(event: NewEvent): Promise<string> {
    return this.publishNow(event);
  }

  /** Synchronous publish for the in-process runner (no promise per log line). */
  publishNow(event: NewEvent): string {
    const id = this.clock.next();
    const stored = { ...event, id, at: event.at ?? Date.now() } as DeckEvent;
    this.log.push(stored);
    if (this.log.length > this.maxLen + Math.max(100, this.maxLen >> 3)) {
      const dropped = this.log.splice(0, this.log.length - this.maxLen);
      this.trimmedUpTo = dropped[dropped.length - 1].id;
    }
    this.pending.push(stored);
    this.drain();
    return id;
  }

  subscribe(
    fromId: string | 'live',
    onEvent: (event: DeckEvent) => void,
    opts?: SubscribeOptions,
  ): Unsubscribe {
    const sub: Subscriber = { after: fromId === 'live' ? this.lastId() : fromId, onEvent };
    let closed = false;
    // Replay on a microtask so the caller holds its Unsubscribe before the first callback.
    queueMicrotask(() => {
      if (closed) return;
      if (
        fromId !== 'live' &&
        this.trimmedUpTo !== undefined &&
        compareEventIds(fromId, this.trimmedUpTo) < 0 &&
        opts?.onNotice
      ) {
        opts.onNotice({
          kind: 'trimmed',
          message: `events up to ${this.trimmedUpTo} were dropped from the capped stream before they could be replayed`,
        });
      }
      // Catch up from the log until there is nothing left, then go live. A callback that publishes during the
      // catch-up only appends to the log (this subscriber is not live yet), so the next pass picks it up.
      let batch = this.eventsAfter(sub.after);
      while (batch.length > 0) {
        for (const event of batch) {
          if (closed) return;
          deliver(sub, event);
        }
        batch = this.eventsAfter(sub.after);
      }
      if (closed) return;
      this.subscribers.add(sub);
      opts?.onLive?.();
    });
    return () => {
      closed = true;
      this.subscribers.delete(sub);
    };
  }

  async recent(count: number, opts?: { before?: string }): Promise<DeckEvent[]> {
    if (count <= 0) return [];
    const end = opts?.before === undefined ? this.log.length : this.countBelow(opts.before, false);
    return this.log.slice(Math.max(0, end - count), end);
  }

  private lastId(): string | undefined {
    return this.log.length ? this.log[this.log.length - 1].id : undefined;
  }

  private eventsAfter(id: string | undefined): DeckEvent[] {
    return id === undefined ? this.log.slice() : this.log.slice(this.countBelow(id, true));
  }

  /** How many events come before `id` (with `orAt`, up to and with it): a binary search, the log is in id order. */
  private countBelow(id: string, orAt: boolean): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const order = compareEventIds(this.log[mid].id, id);
      if (order < 0 || (orAt && order === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private drain(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.pending.length; i++) {
        const event = this.pending[i];
        for (const sub of this.subscribers) deliver(sub, event);
      }
    } finally {
      this.pending.length = 0;
      this.delivering = false;
    }
  }
}

function deliver(sub: Subscriber, event: DeckEvent): void {
  if (sub.after !== undefined && compareEventIds(event.id, sub.after) <= 0) return;
  sub.after = event.id;
  try {
    sub.onEvent(event);
  } catch {
    // one subscriber's bug must not stop delivery to the others
  }
}
