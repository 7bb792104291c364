import type { NewEvent } from '../../domain/event';
import type { JobLogLine } from '../../domain/job';
import type { BusStateObservable, Unsubscribe } from './contracts';

/** Where an outbox sends: the part of `ExecutionSink` it uses. */
export interface OutboxSink {
  publish(event: NewEvent): Promise<unknown>;
  appendLog(line: JobLogLine): Promise<void>;
  /** Publish a line's event and store the line in one write, both or neither (Redis: one script); else the two. */
  publishLine?(event: NewEvent, line: JobLogLine): Promise<unknown>;
  /** The transport's connection (Redis); without it the sink is always reachable (memory). */
  state?: BusStateObservable;
}

export interface OutboxLimits {
  /** Events held while the transport is away; past it newer ones are dropped (and counted). */
  maxItems: number;
  /** The same bound in characters of text. */
  maxChars: number;
}

export const defaultOutboxLimits: OutboxLimits = { maxItems: 10_000, maxChars: 8_000_000 };

/** A log line whose append keeps failing while Redis answers (its job is gone) is given up after this. */
const appendTries = 3;
const retryMs = 250;
const batchSize = 64;

interface Entry {
  event: NewEvent;
  line?: JobLogLine;
  chars: number;
  published: boolean;
  appended: boolean;
  tries: number;
  publishing?: Promise<void>;
  appending?: Promise<void>;
}

/**
 * A running job's events and output lines on their way to the transport. While Redis is away (a restart, a cut
 * network) they are held in order and sent once it is back, so output survives an outage; the job goes on
 * meanwhile (nothing waits on an unreachable Redis). While Redis answers, `send` resolves once the event is
 * published and the line stored (backpressure). Bounded: past the limits newer items are dropped, `send`
 * rejects for them, and once the rest is sent the log says how many were lost.
 */
export class JobOutbox {
  private readonly held: Entry[] = [];
  private heldChars = 0;
  /** Dropped since the last note. */
  private droppedUnsaid = 0;
  /** Sends waiting on Redis: told when the connection drops, so they hold their item instead of waiting. */
  private readonly waiting = new Set<() => void>();
  private readonly offState: Unsubscribe | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Items never published: dropped over the limits, or still held when the job ended. */
  lost = 0;

  constructor(
    private readonly sink: OutboxSink,
    /** Writes a note into the job's log (it comes back through `send`). */
    private readonly note: (text: string) => void,
    private readonly limits: OutboxLimits = defaultOutboxLimits,
  ) {
    this.offState = sink.state?.subscribe((status) => {
      if (status.state === 'connected') return;
      for (const wake of [...this.waiting]) wake();
    });
  }

  send(event: NewEvent, line?: JobLogLine): Promise<void> {
    const entry: Entry = {
      event,
      ...(line ? { line } : {}),
      chars: event.message.length,
      published: false,
      appended: false,
      tries: 0,
    };
    if (this.held.length > 0 || !this.connected()) return this.hold(entry);
    return this.deliver(entry);
  }

  /** Wait (up to `timeoutMs`) until everything held is sent, then stop; what is still held then is lost. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.flushing && Date.now() < deadline) {
      await Promise.race([this.flushing, pause(Math.min(retryMs, Math.max(0, deadline - Date.now())))]);
    }
    this.closed = true;
    this.offState?.();
    for (const entry of this.held.splice(0)) if (!entry.published) this.lost++;
    this.heldChars = 0;
  }

  private connected(): boolean {
    return !this.sink.state || this.sink.state.get().state === 'connected';
  }

  private deliver(entry: Entry): Promise<void> {
    this.start(entry);
    const both = Promise.all([entry.publishing, entry.appending]);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        this.waiting.delete(settle);
        if (delivered(entry)) resolve();
        else this.hold(entry).then(resolve, reject);
      };
      this.waiting.add(settle);
      void both.then(settle);
    });
  }

  /** Sends what the entry still lacks; the promises always resolve (failure leaves the flag unset). */
  private start(entry: Entry): void {
    if (entry.line && this.sink.publishLine && !entry.published && !entry.appended) {
      entry.tries++;
      entry.publishing = this.sink.publishLine(entry.event, entry.line).then(
        () => {
          entry.published = true;
          entry.appended = true;
        },
        () => {},
      );
      entry.appending = undefined;
      return;
    }
    if (!entry.published) {
      entry.publishing = this.sink.publish(entry.event).then(
        () => {
          entry.published = true;
        },
        () => {},
      );
    }
    if (entry.line && !entry.appended && entry.tries < appendTries) {
      entry.tries++;
      entry.appending = this.sink.appendLog(entry.line).then(
        () => {
          entry.appended = true;
        },
        () => {},
      );
    }
  }

  private hold(entry: Entry): Promise<void> {
    if (this.closed) return this.drop(entry);
    if (this.held.length >= this.limits.maxItems || this.heldChars + entry.chars > this.limits.maxChars) {
      return this.drop(entry);
    }
    this.held.push(entry);
    this.heldChars += entry.chars;
    this.kick();
    return Promise.resolve();
  }

  private drop(entry: Entry): Promise<void> {
    if (entry.published) return Promise.resolve();
    this.lost++;
    this.droppedUnsaid++;
    return Promise.reject(new Error('not published: Redis was unreachable and the worker holds no more'));
  }

  private kick(): void {
    if (this.flushing || this.closed) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.held.length > 0) this.kick();
    });
  }

  private async flush(): Promise<void> {
    while (this.held.length > 0 && !this.closed) {
      if (!this.connected()) {
        await this.sink.state?.whenConnected(1_000);
        continue;
      }
      const batch = this.held.slice(0, batchSize);
      // Whatever a first try still has in flight settles first, so nothing is sent twice.
      await Promise.all(batch.flatMap((e) => [e.publishing, e.appending]));
      for (const e of batch) this.start(e);
      await Promise.all(batch.flatMap((e) => [e.publishing, e.appending]));
      if (this.closed) return;
      let progressed = false;
      for (const e of batch) {
        if (!delivered(e)) continue;
        this.held.splice(this.held.indexOf(e), 1);
        this.heldChars -= e.chars;
        progressed = true;
      }
      if (!progressed) await pause(retryMs);
    }
    if (this.droppedUnsaid > 0 && !this.closed) {
      const n = this.droppedUnsaid;
      this.droppedUnsaid = 0;
      this.note(
        `… ${n} line${n === 1 ? '' : 's'} of output lost while Redis was unreachable (a worker holds at most ` +
          `${this.limits.maxItems} lines until it is back)`,
      );
    }
  }
}

/** Published, and its line stored (or given up: the event, which every follower reads, went out). */
function delivered(entry: Entry): boolean {
  return entry.published && (!entry.line || entry.appended || entry.tries >= appendTries);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
