import { Text } from 'ink';
import type { ReactNode } from 'react';
import { displayWidth, fitWidth } from '../domain/text';
import { useActions, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { LineInput } from '../ui/LineInput';
import { editLineState, type LineState, lineOf } from '../ui/lineEditor';
import { type HistoryWalk, walkHistory } from '../ui/lineHistory';
import { useKeyState } from '../ui/useKeyState';
import type { LogHighlight, LogLines, TextViewState } from './LogView';
import { findMatch, type LineMatch, showMatch, viewTop } from './logSearch';
import { searchPattern } from './searchMatches';

/** A log view's search: the prompt while it is open, what was searched and where `n`/`N` stand. */
interface SearchState {
  prompt?: LineState;
  text: string;
  pattern?: RegExp;
  /** The current match, its line counted as `LogScroll.offset` counts (it keeps its place while lines evict). */
  match?: { line: number; from: number };
  note?: string;
  problem?: boolean;
}

const NO_SEARCH: SearchState = { text: '' };

export interface LogSearch {
  /** The rows left for the log: `height`, less the search's line while it shows. */
  logHeight: number;
  /** A key's action in the view: `log.search`, `log.searchNext/Prev`; `view.back` clears a search first. */
  act(action: string | undefined): boolean;
  /** For the LogView's `search`. */
  highlight: LogHighlight | undefined;
  /** The prompt, or what was searched and what came of it: one row to draw under the log (null when none). */
  line: ReactNode;
}

/**
 * `/` in a log view, as in `less`: a prompt on the view's last row (plain text in any case, `re:regex`); Enter
 * goes to the first match from the top of the view, `n`/`N` to the next and previous (round the end, saying
 * so), Esc clears, ↑/↓ recall earlier searches (as the table filter's). Going to a match stops following, as
 * scrolling up does. While the prompt is open it takes every key (as the table's `/` prompt does), so `q` or a
 * digit is typed, not obeyed.
 */
export function useLogSearch({
  lines,
  view,
  setView,
  width,
  height,
  active,
}: {
  lines: LogLines;
  view: TextViewState;
  setView: (update: (view: TextViewState) => TextViewState) => void;
  width: number;
  height: number;
  active: boolean;
}): LogSearch {
  const { theme } = useDeckContext();
  const history = useActions().ui.history('search');
  const [search, getSearch, setSearch] = useKeyState<SearchState>(NO_SEARCH);
  const [, getWalk, setWalk] = useKeyState<HistoryWalk | undefined>(undefined);
  const shown = search.prompt !== undefined || search.text !== '';
  const logHeight = shown ? Math.max(0, height - 1) : height;
  // What a search measures against: the view as it is once the search's line is drawn.
  const searchHeight = Math.max(1, height - 1);
  const dropped = lines.dropped ?? 0;
  const top = () => viewTop(lines, view, searchHeight, width);

  const go = (found: LineMatch, text: string, pattern: RegExp, note?: string) => {
    setView((v) => showMatch(v, lines, found, searchHeight, width));
    setSearch({ text, pattern, match: { line: dropped + found.index, from: found.from }, note });
  };

  const run = (text: string) => {
    if (text.trim() === '') {
      setSearch(NO_SEARCH);
      return;
    }
    const parsed = searchPattern(text);
    if (!parsed.ok) {
      setSearch({ text, note: parsed.error, problem: true });
      return;
    }
    const found = findMatch(lines, parsed.pattern, top(), 1, true);
    if (!found) setSearch({ text, pattern: parsed.pattern, note: noMatch(text), problem: true });
    else go(found, text, parsed.pattern, found.wrapped ? 'search went round to the top' : undefined);
  };

  const step = (direction: 1 | -1) => {
    const s = getSearch();
    if (!s.pattern) {
      setSearch({ ...s, prompt: lineOf(s.text, true) });
      return;
    }
    const index = s.match ? s.match.line - dropped : -1;
    const kept = index >= 0 && index < lines.length;
    const from = kept && s.match ? { index, column: s.match.from } : top();
    const found = findMatch(lines, s.pattern, from, direction, !kept && direction === 1);
    if (!found) setSearch({ ...s, note: noMatch(s.text), problem: true });
    else
      go(
        found,
        s.text,
        s.pattern,
        found.wrapped ? `search went round to the ${direction === 1 ? 'top' : 'bottom'}` : undefined,
      );
  };

  useKeys(
    'overlay',
    (press) => {
      const prompt = getSearch().prompt;
      if (!prompt) return false;
      if (press.name === 'enter') {
        history.add(prompt.text);
        run(prompt.text);
      } else if (press.name === 'esc') setSearch(NO_SEARCH);
      else if (['up', 'down', 'ctrl-p', 'ctrl-n'].includes(press.name)) {
        const step = press.name === 'up' || press.name === 'ctrl-p' ? -1 : 1;
        const recalled = walkHistory(history.entries, getWalk(), step, prompt.text);
        if (recalled) {
          setWalk(recalled.walk);
          setSearch({ ...getSearch(), prompt: lineOf(recalled.text) });
        }
      } else {
        const next = editLineState(prompt, press);
        if (next) {
          if (next.text !== prompt.text) setWalk(undefined);
          setSearch({ ...getSearch(), prompt: next });
        }
      }
      return true;
    },
    // Not `search.prompt` as rendered: a key right after `/` (typed fast, pasted, one read over ssh) may come
    // before the next render, and must already be the prompt's (the prompt is read through getSearch above).
    active,
  );

  const act = (action: string | undefined) => {
    const s = getSearch();
    if (action === 'log.search') {
      setWalk(undefined);
      setSearch({ ...s, prompt: lineOf(s.text, true) });
    } else if (action === 'log.searchNext') step(1);
    else if (action === 'log.searchPrev') step(-1);
    else if (action === 'view.back' && (s.prompt || s.text)) setSearch(NO_SEARCH);
    else return false;
    return true;
  };

  let line: ReactNode = null;
  if (search.prompt) {
    const parsed = searchPattern(search.prompt.text);
    const earlier = history.entries.length ? ' · ↑ earlier' : '';
    const hint = parsed.ok ? `   text · re:regex · Enter find · Esc clear${earlier}` : `   ${parsed.error}`;
    const inputWidth = Math.max(1, Math.min(width - 2, displayWidth(search.prompt.text) + 1));
    line = (
      <Text>
        <Text color={theme.accent}>/</Text>
        <LineInput line={search.prompt} width={inputWidth} />
        <Text color={parsed.ok ? theme.muted : theme.error}>
          {fitWidth(hint, Math.max(0, width - inputWidth - 1))}
        </Text>
      </Text>
    );
  } else if (search.text) {
    const keys = search.problem ? 'Esc clear' : 'n next · N previous · Esc clear';
    const note = search.note ? `${search.note} · ` : '';
    const what = fitWidth(`/${search.text}`, Math.min(width, displayWidth(search.text) + 1));
    line = (
      <Text>
        <Text color={theme.accent}>{what}</Text>
        <Text color={search.problem ? theme.warn : theme.muted}>
          {fitWidth(`   ${note}${keys}`, Math.max(0, width - displayWidth(what)))}
        </Text>
      </Text>
    );
  }

  return {
    logHeight,
    act,
    highlight: search.pattern && { pattern: search.pattern, current: search.match, currentColor: theme.warn },
    line,
  };
}

function noMatch(text: string): string {
  return `no match for ${JSON.stringify(text)}`;
}
