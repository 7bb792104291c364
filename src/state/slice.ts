import type { StoreApi } from 'zustand/vanilla';
import type { DeckEvent } from '../domain/event';
import type { DeckServices } from './deckServices';
import type { DeckInit, DeckState } from './store';

export type ToastLevel = 'info' | 'warn' | 'error';

/** What a slice is made from: the console's options, its services and its clock. */
export interface SliceSetup {
  init: DeckInit;
  services: DeckServices;
  now(): number;
}

/** What a slice's actions work with. */
export interface SliceTools<S> extends SliceSetup {
  set: StoreApi<DeckState>['setState'];
  get: StoreApi<DeckState>['getState'];
  /** Merges `patch` into this slice's own state. */
  patch(patch: Partial<S>): void;
  notify(level: ToastLevel, text: string): void;
  /** Hands an event to the batched flush that applies every slice's reducers (the bus subscription feeds it). */
  ingest(event: DeckEvent): void;
  /** Drops events not yet applied and their timer (the bus subscription ended). */
  dropPending(): void;
}

/**
 * Applies the events of one flush that match its key, oldest first, in one call: a burst of thousands costs
 * one copy of the slice's tables, not one per event.
 */
export type EventReducer<S> = (state: S, events: readonly DeckEvent[], at: { now: number }) => S;

/** Runs after a flush, with the events that match its key and the store as it now is (to ask for more). */
export type EventEffect = (events: readonly DeckEvent[], deck: DeckState) => void;

/**
 * Event types a reducer or effect wants: an exact type (`job.log`), a prefix (`job.*`), every event (`*`), or
 * several of those separated by spaces (their events reach the reducer together, in the order they happened).
 */
export type EventPattern = string;

/** One area of the store: its state, its actions (reached as `actions.<name>.…`) and its event reducers. */
export interface Slice<N extends string, S, A> {
  name: N;
  initial(setup: SliceSetup): S;
  actions(tools: SliceTools<S>): A;
  reducers?: Readonly<Record<EventPattern, EventReducer<S>>>;
  effects?: Readonly<Record<EventPattern, EventEffect>>;
}

/** Whether an event type matches a reducer's key. */
export function eventMatcher(pattern: EventPattern): (event: DeckEvent) => boolean {
  const parts = pattern.split(/\s+/).filter(Boolean);
  if (parts.includes('*')) return () => true;
  const types = new Set(parts.filter((p) => !p.endsWith('.*')));
  const prefixes = parts.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1));
  return (e) => types.has(e.type) || prefixes.some((prefix) => e.type.startsWith(prefix));
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads now (unless `readNow` is false) and after every change the watcher reports, and once more when the watcher
 * is up (a change while it started would go unreported). Returns the stop. `onError`: the watcher failed or could
 * not start.
 */
export function followChanges(
  watch: WatchFiles,
  reload: () => void,
  onError: (message: string) => void,
  readNow = true,
): () => void {
  let stopped = false;
  let watcher: { close(): Promise<void> } | undefined;
  if (readNow) reload();
  watch(reload, (error) => onError(error.message)).then(
    (w) => {
      if (stopped) void w.close();
      else {
        watcher = w;
        reload();
      }
    },
    (error) => onError(errorText(error)),
  );
  return () => {
    stopped = true;
    void watcher?.close();
  };
}

/** How a workspace service watches its files (`DeckSchedules.watch`, `DeckBatches.watch`, …). */
export type WatchFiles = (
  onChange: () => void,
  onError: (error: Error) => void,
) => Promise<{ close(): Promise<void> }>;

/**
 * A tab's folder of files followed while the tab is shown: read now (unless `readNow` is false: the caller has
 * just read it) and after every change until the returned stop. A service that cannot watch (a test double) is
 * read once. A watcher that fails says so once as a warning; `r` still reads the folder.
 */
export function followFiles(
  watch: WatchFiles | undefined,
  reload: () => void,
  what: string,
  notify: (level: 'warn', text: string) => void,
  readNow = true,
): () => void {
  if (!watch) {
    if (readNow) reload();
    return () => {};
  }
  let warned = false;
  return followChanges(
    watch,
    reload,
    (message) => {
      if (warned) return;
      warned = true;
      notify('warn', `${what} is not followed (r reads it again): ${message}`);
    },
    readNow,
  );
}

/**
 * A connection several parts of the console share (a tab and the status bar, say): `open` runs when the first
 * connects and returns how to close, which runs when the last lets go. Each release counts once, however often
 * it is called.
 */
export function sharedConnection(open: () => () => void): () => () => void {
  let connections = 0;
  let close: (() => void) | undefined;
  return () => {
    connections++;
    close ??= open();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      connections--;
      if (connections === 0) {
        close?.();
        close = undefined;
      }
    };
  };
}
