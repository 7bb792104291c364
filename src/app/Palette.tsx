import { Box, Text } from 'ink';
import { useState } from 'react';
import { fitWidth } from '../domain/text';
import { useActions, useDeckContext } from '../ui/deckContext';
import { type KeyPress, useKeys } from '../ui/keyDispatcher';
import { LineInput } from '../ui/LineInput';
import { editLineState, emptyLine, type LineState, lineOf } from '../ui/lineEditor';
import { type HistoryWalk, walkHistory } from '../ui/lineHistory';
import type { CommandContext, PaletteCommand } from '../ui/paletteCommand';
import { useKeyState } from '../ui/useKeyState';
import { completeLine, paletteSuggestions, runLine, type Suggestion } from './commands';

/** Rows of suggestions above the `:` line: a third of the terminal, 5 to 10. */
export function paletteSuggestionRows(terminalRows: number): number {
  return Math.max(5, Math.min(10, Math.floor(terminalRows / 3)));
}

/**
 * The `:` command line: aliases, arguments, completion, history. The suggestions follow the typing; `↓`/`↑`
 * (`Ctrl-N`/`Ctrl-P`) select one, `Tab` completes to it, `Enter` runs it (or the line when none is selected).
 * On an empty line, or one just recalled, `↑`/`↓` walk the history of this session's commands instead.
 */
export function Palette({
  commands,
  context,
  width,
  rows,
}: {
  commands: readonly PaletteCommand[];
  /** What commands run with; the store's current state is added when one runs. */
  context: Omit<CommandContext, 'state'>;
  width: number;
  /** Suggestion rows (the `:` line is one more). */
  rows: number;
}) {
  const { theme, store } = useDeckContext();
  const actions = useActions();
  const history = actions.ui.history('palette');
  const [line, getLine, setLine] = useKeyState<LineState>(emptyLine);
  const [selected, getSelected, setSelected] = useKeyState(-1);
  const [, getWalk, setWalk] = useKeyState<HistoryWalk | undefined>(undefined);
  const [error, setError] = useState<string | undefined>();

  const show = (next: LineState, walk?: HistoryWalk) => {
    setLine(next);
    setWalk(walk);
    setSelected(-1);
    setError(undefined);
  };

  /** ↑ is -1, ↓ is +1: through the history while it is being walked or the line is empty, else the list. */
  const move = (step: -1 | 1) => {
    const text = getLine().text;
    const list = paletteSuggestions(commands, text, store.getState());
    const current = getSelected();
    const walk = getWalk();
    if (current < 0 && (walk !== undefined || text === '')) {
      const recalled = walkHistory(history.entries, walk, step, text);
      if (recalled) return show(lineOf(recalled.text), recalled.walk);
      // At the oldest entry ↑ stays; past the newest, ↓ goes on into the list.
      if (step === -1 && walk !== undefined) return;
    }
    setSelected(nextSelectable(list, current, step));
  };

  useKeys('overlay', (press: KeyPress) => {
    const name = press.name;
    if (name === 'esc') actions.ui.closeOverlay();
    else if (name === 'enter') {
      const chosen =
        paletteSuggestions(commands, getLine().text, store.getState())[getSelected()]?.line ?? getLine().text;
      actions.ui.closeOverlay();
      history.add(chosen);
      const problem = runLine(commands, chosen, { ...context, state: store.getState });
      if (problem) actions.ui.notify('warn', problem);
    } else if (name === 'tab') {
      const pick = paletteSuggestions(commands, getLine().text, store.getState())[getSelected()]?.line;
      if (pick !== undefined) show(lineOf(pick));
      else {
        const completion = completeLine(commands, getLine().text, store.getState());
        show(lineOf(completion.line));
        if (completion.candidates.length === 0) setError('no completions');
      }
    } else if (name === 'up' || name === 'ctrl-p') move(-1);
    else if (name === 'down' || name === 'ctrl-n') move(1);
    else {
      const next = editLineState(getLine(), press);
      if (next && (next.text !== getLine().text || next.cursor !== getLine().cursor)) {
        if (next.text === getLine().text) setLine(next);
        else show(next);
      }
    }
    return true;
  });

  const suggestions = paletteSuggestions(commands, line.text, store.getState());
  const shown = visibleSuggestions(suggestions, selected, rows);
  const errorText = error ? `   ${error}` : '';
  return (
    <Box flexDirection="column" width={width} height={rows + 1}>
      {Array.from({ length: rows }, (_, i) => {
        // The list sits on the `:` line, blank rows above it.
        const row = shown[i - (rows - shown.length)];
        if (!row) return <Text key={i}>{fitWidth('', width)}</Text>;
        return (
          <Text
            key={i}
            inverse={row.selected}
            color={row.selected ? undefined : row.more || !row.selectable ? theme.muted : undefined}
          >
            {fitWidth(`${row.selected ? '>' : ' '}${row.text}`, width)}
          </Text>
        );
      })}
      <Box width={width}>
        <Text color={theme.accent}>:</Text>
        <LineInput line={line} width={Math.max(1, width - 1 - errorText.length)} />
        {errorText ? <Text color={theme.error}>{errorText}</Text> : null}
      </Box>
    </Box>
  );
}

/** The selectable row `step` away from `from` (-1: none selected); ↑ from the first goes back to none. */
function nextSelectable(list: readonly Suggestion[], from: number, step: -1 | 1): number {
  const selectable = list.flatMap((s, i) => (s.line === undefined ? [] : [i]));
  if (selectable.length === 0) return -1;
  if (from < 0) return step === 1 ? selectable[0] : selectable[selectable.length - 1];
  const at = selectable.indexOf(from);
  const next = at + step;
  if (next < 0) return -1;
  return selectable[Math.min(next, selectable.length - 1)];
}

interface ShownRow {
  text: string;
  selected: boolean;
  selectable: boolean;
  more?: boolean;
}

/** The rows that fit, scrolled to keep the selection in view; a last row says how many there are when not all fit. */
function visibleSuggestions(list: readonly Suggestion[], selected: number, rows: number): ShownRow[] {
  const toRow = (s: Suggestion, i: number): ShownRow => ({
    text: s.label,
    selected: i === selected,
    selectable: s.line !== undefined,
  });
  if (list.length <= rows) return list.map(toRow);
  const room = Math.max(1, rows - 1);
  const offset = Math.min(Math.max(0, selected - room + 1), list.length - room);
  const rowsShown = list.slice(offset, offset + room).map((s, i) => toRow(s, offset + i));
  const position = `${offset + 1}–${offset + room} of ${list.length}`;
  return [
    ...rowsShown,
    {
      text: `${position} · ↑↓ select · Tab complete · Enter run`,
      selected: false,
      selectable: false,
      more: true,
    },
  ];
}
