import { Box, Text } from 'ink';
import { useState } from 'react';
import { scrollNote } from '../components/LogView';
import { displayWidth, fitWidth } from '../domain/text';
import { wrapText } from '../domain/wrapText';
import type { Confirmation } from '../state/slices/ui';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { LineInput } from '../ui/LineInput';
import { editLineState, emptyLine, type LineState } from '../ui/lineEditor';
import { useKeyState } from '../ui/useKeyState';

/** Wide enough for a command line or a sentence of the plan, narrow enough to read on a wide terminal. */
const maxBoxWidth = 120;

/**
 * `line` in rows of at most `width` columns, broken at spaces (a longer word where the row ends). The rows after
 * the first start under its text: after its indent and its list mark (`1. `, `! `), so an item reads as one.
 */
function wrapLine(line: string, width: number): string[] {
  const indent = Math.min(/^ *(\d+\. |[-!•] )?/.exec(line)?.[0].length ?? 0, Math.floor(width / 2));
  const [first, ...rest] = wrapText(line.slice(indent), width - indent);
  return [line.slice(0, indent) + first, ...rest.map((row) => ' '.repeat(indent) + row)];
}

/**
 * "Are you sure?" for anything that changes the world. Plain: `y` goes ahead, `n` or Esc does nothing.
 * Typed (deletes): the user types what is asked (the number of resources, the project name) and Enter. Only
 * an Enter typed here confirms: a paste is text (its line breaks dropped), and nothing typed is kept in a
 * history to recall.
 *
 * Every line is wrapped to the box, never cut: what to decide on and the key that toggles an option stay in
 * view. A box taller than the terminal keeps its question and answer and scrolls the lines between.
 */
export function ConfirmOverlay({ width, height }: { width: number; height: number }) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const confirm = useDeck((s) => s.ui.confirm);
  const [typed, getTyped, setTyped] = useKeyState<LineState>(emptyLine);
  const [toggle, getToggle, setToggle] = useKeyState(false);
  const [mismatch, setMismatch] = useState(false);
  const [scrollTop, getScrollTop, setScrollTop] = useKeyState(0);
  const typedLine = confirm?.typed !== undefined;
  const box = confirm && boxLayout(confirm, { width, height, typedLine, toggle });
  const scroll = (by: number) => {
    if (box) setScrollTop(Math.max(0, Math.min(box.body.length - box.page, getScrollTop() + by)));
  };

  useKeys('overlay', (press) => {
    if (!confirm) return false;
    if (press.name === 'esc') actions.ui.answerConfirm(false);
    else if (press.name === 'up' || press.name === 'down') scroll(press.name === 'up' ? -1 : 1);
    else if (press.name === 'pgup' || press.name === 'pgdn')
      scroll((press.name === 'pgup' ? -1 : 1) * Math.max(1, (box?.page ?? 0) - 1));
    else if (confirm.typed === undefined) {
      if (press.name === 'y' || press.name === 'Y') actions.ui.answerConfirm(true, { toggle: getToggle() });
      else if (press.name === 'n' || press.name === 'N') actions.ui.answerConfirm(false);
      else if (confirm.toggle && press.name === confirm.toggle.key) setToggle(!getToggle());
    } else if (press.name === 'enter') {
      if (getTyped().text === confirm.typed) actions.ui.answerConfirm(true, { toggle: getToggle() });
      else setMismatch(true);
    } else if (confirm.toggle && press.name === `ctrl-${confirm.toggle.key}`) setToggle(!getToggle());
    else {
      const next = editLineState(getTyped(), press);
      if (next) {
        setTyped(next);
        setMismatch(false);
      }
    }
    return true;
  });

  if (!confirm || !box) return null;
  const { boxWidth, inner, title, body, page, room } = box;
  const refusal = mismatch ? `   that is not "${confirm.typed}"` : '';
  const top = Math.min(scrollTop, body.length - page);
  const where = scrollNote(top, page, body.length);
  // Its own keys (not j/k: a typed confirmation takes letters as text), when they fit beside the position.
  const withKeys = `${where} · ↑/↓ PgUp/PgDn scroll`;
  const note =
    page < body.length && room > 0
      ? page > 0
        ? displayWidth(withKeys) <= inner
          ? withKeys
          : where
        : `${body.length} lines: the terminal is too short to show them`
      : undefined;
  return (
    <Box width={width} height={height} justifyContent="center" alignItems="center">
      <Box flexDirection="column" borderStyle="round" borderColor={theme.warn} width={boxWidth} paddingX={1}>
        {title.map((row, i) => (
          <Text key={`t${i}`} bold>
            {row}
          </Text>
        ))}
        {body.slice(top, top + page).map((row, i) => (
          <Text key={`b${i}`}>{row}</Text>
        ))}
        {note ? <Text color={theme.muted}>{fitWidth(note, inner)}</Text> : null}
        {box.toggle.map((row, i) => (
          <Text key={`o${i}`} color={toggle ? theme.error : undefined}>
            {row}
          </Text>
        ))}
        {box.answer.map((row, i) => (
          <Text key={`a${i}`} color={theme.warn}>
            {row}
          </Text>
        ))}
        {typedLine ? (
          <Text wrap="truncate">
            {'> '}
            <LineInput line={typed} width={Math.max(1, inner - 2 - refusal.length)} />
            <Text color={theme.error}>{refusal}</Text>
          </Text>
        ) : null}
      </Box>
    </Box>
  );
}

/**
 * The box's rows on a terminal `width` x `height`: the title, the body (its lines wrapped), the option's toggle and
 * how to answer; `page` is how many body rows fit. A body taller than that scrolls, its last row saying where it is.
 */
function boxLayout(
  confirm: Confirmation,
  {
    width,
    height,
    typedLine,
    toggle,
  }: { width: number; height: number; typedLine: boolean; toggle: boolean },
) {
  const boxWidth = Math.min(width - 2, maxBoxWidth);
  const inner = boxWidth - 4;
  const option = confirm.toggle;
  const checkbox = `[${toggle ? 'x' : ' '}]`;
  const key = option && (typedLine ? `Ctrl-${option.key.toUpperCase()}` : option.key);
  const toggleText = option ? `${checkbox} ${option.label} (${key} toggles)` : undefined;
  const answerText = typedLine
    ? `Type ${confirm.typed} and press Enter to go ahead · Esc cancels`
    : 'y yes · n / Esc no';
  let toggleRows = toggleText ? wrapLine(toggleText, inner) : [];
  let answer = wrapLine(answerText, inner);
  let title = wrapLine(confirm.title, inner);
  const body = confirm.lines.flatMap((line) => wrapLine(line, inner));
  // Rows besides the title: the answer, and at least one of the body (or the row that says it does not fit).
  const fixedRows = () => toggleRows.length + answer.length + (typedLine ? 1 : 0) + (body.length ? 1 : 0);
  // On a very short terminal how to answer comes before the whole question; at the smallest, one row each.
  if (title.length + fixedRows() > height - 2) title = [fitWidth(confirm.title, inner)];
  if (title.length + fixedRows() > height - 2) {
    // Cut to a row, the option says its key first.
    toggleRows = option ? [fitWidth(`${checkbox} ${key} toggles: ${option.label}`, inner)] : [];
    answer = [fitWidth(answerText, inner)];
  }
  const room = Math.max(
    0,
    height - 2 - title.length - toggleRows.length - answer.length - (typedLine ? 1 : 0),
  );
  const page = body.length > room ? Math.max(0, room - 1) : body.length;
  return { boxWidth, inner, title, body, room, page, toggle: toggleRows, answer };
}
