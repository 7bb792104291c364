/** What was entered in one kind of prompt (`:` commands, `/` filters), oldest first. */
export interface LineHistory {
  readonly entries: readonly string[];
  add(line: string): void;
}

const maxEntries = 200;

/** A history that keeps each line once, at the place it was last entered. */
export function lineHistory(): LineHistory {
  let entries: string[] = [];
  return {
    get entries() {
      return entries;
    },
    add(line) {
      const text = line.trim();
      if (!text) return;
      entries = [...entries.filter((e) => e !== text), text].slice(-maxEntries);
    },
  };
}

const sessions = new WeakMap<object, Map<string, LineHistory>>();

/**
 * The history of one prompt kind for as long as the console runs (the prompts themselves unmount when they
 * close). Keyed by the deck's store, so two consoles in one process (the tests) never share one.
 */
export function sessionHistory(owner: object, kind: string): LineHistory {
  let kinds = sessions.get(owner);
  if (!kinds) {
    kinds = new Map();
    sessions.set(owner, kinds);
  }
  let history = kinds.get(kind);
  if (!history) {
    history = lineHistory();
    kinds.set(kind, history);
  }
  return history;
}

/**
 * Walking the history with ↑/↓ like a shell: `index` is the entry shown (`entries.length` is the line that was
 * being typed, kept as `draft` and given back when walking past the newest entry).
 */
export interface HistoryWalk {
  index: number;
  draft: string;
}

/** One step older (`-1`) or newer (`+1`); undefined when there is nothing further that way. */
export function walkHistory(
  entries: readonly string[],
  walk: HistoryWalk | undefined,
  step: -1 | 1,
  current: string,
): { walk: HistoryWalk; text: string } | undefined {
  const from = walk ?? { index: entries.length, draft: current };
  const index = from.index + step;
  if (index < 0 || index > entries.length) return undefined;
  return { walk: { ...from, index }, text: index === entries.length ? from.draft : entries[index] };
}
