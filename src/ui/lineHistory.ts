/** What was entered in one kind of prompt (`:` commands, `/` filters), oldest first. */
export interface LineHistory {
  readonly entries: readonly string[];
  add(line: string): void;
}

const maxEntries = 200;

/**
 * A history that keeps each line once, at the place it was last entered, starting from `initial` (an earlier
 * session's); `persist` is told the entries after each change.
 */
export function lineHistory(
  initial: readonly string[] = [],
  persist?: (entries: readonly string[]) => void,
): LineHistory {
  const given = initial
    .slice(-5 * maxEntries)
    .map((l) => l.trim())
    .filter(Boolean);
  let entries = given.filter((l, i) => given.lastIndexOf(l) === i).slice(-maxEntries);
  return {
    get entries() {
      return entries;
    },
    add(line) {
      const text = line.trim();
      if (!text) return;
      entries = [...entries.filter((e) => e !== text), text].slice(-maxEntries);
      persist?.(entries);
    },
  };
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
