import { Box, Text } from 'ink';
import { useState } from 'react';
import { fitWidth } from '../domain/text';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { LineInput } from '../ui/LineInput';
import { editLineState, emptyLine, type LineState } from '../ui/lineEditor';
import { useKeyState } from '../ui/useKeyState';

/**
 * "Are you sure?" for anything that changes the world. Plain: `y` goes ahead, `n` or Esc does nothing.
 * Typed (deletes): the user types what is asked (the number of resources, the project name) and Enter. Only
 * an Enter typed here confirms: a paste is text (its line breaks dropped), and nothing typed is kept in a
 * history to recall.
 */
export function ConfirmOverlay({ width, height }: { width: number; height: number }) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const confirm = useDeck((s) => s.ui.confirm);
  const [typed, getTyped, setTyped] = useKeyState<LineState>(emptyLine);
  const [toggle, getToggle, setToggle] = useKeyState(false);
  const [mismatch, setMismatch] = useState(false);

  useKeys('overlay', (press) => {
    if (!confirm) return false;
    if (press.name === 'esc') actions.ui.answerConfirm(false);
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

  if (!confirm) return null;
  const boxWidth = Math.min(width - 2, 90);
  const inner = boxWidth - 4;
  const footer: { text: string; color?: string }[] = [];
  if (confirm.toggle) {
    const key = confirm.typed === undefined ? confirm.toggle.key : `Ctrl-${confirm.toggle.key.toUpperCase()}`;
    footer.push({
      text: `[${toggle ? 'x' : ' '}] ${confirm.toggle.label} (${key} toggles)`,
      color: toggle ? theme.error : undefined,
    });
  }
  if (confirm.typed === undefined) footer.push({ text: 'y yes · n / Esc no', color: theme.warn });
  else {
    footer.push({
      text: `Type ${confirm.typed} and press Enter to go ahead · Esc cancels`,
      color: theme.warn,
    });
  }
  const typedLine = confirm.typed !== undefined;
  const refusal = mismatch ? `   that is not "${confirm.typed}"` : '';
  const room = Math.max(0, height - 4 - footer.length - (typedLine ? 1 : 0));
  const body =
    confirm.lines.length > room
      ? [...confirm.lines.slice(0, Math.max(0, room - 1)), `… and ${confirm.lines.length - room + 1} more`]
      : confirm.lines;
  return (
    <Box width={width} height={height} justifyContent="center" alignItems="center">
      <Box flexDirection="column" borderStyle="round" borderColor={theme.warn} width={boxWidth} paddingX={1}>
        <Text bold>{fitWidth(confirm.title, inner)}</Text>
        {body.map((line, i) => (
          <Text key={i}>{fitWidth(line, inner)}</Text>
        ))}
        {footer.map((f, i) => (
          <Text key={`f${i}`} color={f.color}>
            {fitWidth(f.text, inner)}
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
