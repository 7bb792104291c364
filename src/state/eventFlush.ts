import type { StoreApi } from 'zustand/vanilla';
import type { DeckEvent } from '../domain/event';
import { type EventEffect, type EventReducer, eventMatcher } from './slice';
import type { DeckState } from './store';

/**
 * Events are applied to the store at most once per this many ms: a quiet stream's event shows at once (on the
 * next turn of the event loop, so a synchronous burst such as a replay is one update), a burst costs at most
 * ten updates a second.
 */
export const eventFlushMs = 100;

interface SliceEvents {
  name: string;
  reducers?: Readonly<Record<string, EventReducer<unknown>>>;
  effects?: Readonly<Record<string, EventEffect>>;
}

type Compiled<F> = { name: string; all: boolean; match: (e: DeckEvent) => boolean; run: F };

/**
 * Batches the bus's events and applies them in one store update with the reducers every slice registered;
 * then runs the slices' effects (asking the queue for what an event does not carry).
 */
export function eventFlush(
  slices: readonly SliceEvents[],
  store: StoreApi<DeckState>,
  now: () => number,
): { ingest(event: DeckEvent): void; dropPending(): void } {
  const compile = <F>(name: string, table: Readonly<Record<string, F>> | undefined): Compiled<F>[] =>
    Object.entries(table ?? {}).map(([pattern, run]) => ({
      name,
      all: pattern.split(/\s+/).includes('*'),
      match: eventMatcher(pattern),
      run,
    }));
  const reducers = slices.flatMap((s) => compile(s.name, s.reducers));
  const effects = slices.flatMap((s) => compile(s.name, s.effects));

  let pending: DeckEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastFlushAt = Number.NEGATIVE_INFINITY;

  const flush = () => {
    timer = undefined;
    lastFlushAt = performance.now();
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const at = { now: now() };
    store.setState((s) => {
      const next: Record<string, unknown> = {};
      for (const r of reducers) {
        const events = r.all ? batch : batch.filter(r.match);
        if (events.length === 0) continue;
        const before = (r.name in next ? next[r.name] : s[r.name as keyof DeckState]) as unknown;
        const after = r.run(before, events, at);
        if (after !== before) next[r.name] = after;
      }
      return next as Partial<DeckState>;
    });
    const deck = store.getState();
    for (const e of effects) {
      const events = e.all ? batch : batch.filter(e.match);
      if (events.length > 0) e.run(events, deck);
    }
  };

  return {
    ingest: (event) => {
      pending.push(event);
      timer ??= setTimeout(flush, Math.max(0, lastFlushAt + eventFlushMs - performance.now()));
    },
    dropPending: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = [];
    },
  };
}
