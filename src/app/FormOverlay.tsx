import { Box, Text } from 'ink';
import { useState } from 'react';
import { fitWidth } from '../domain/text';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { editLine } from '../ui/lineEditor';
import { useKeyState } from '../ui/useKeyState';

/** A few lines to fill in (`:login`): Tab/Enter next field, Enter on the last submits, Esc cancels. */
export function FormOverlay({ width, height }: { width: number; height: number }) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const form = useDeck((s) => s.ui.form);
  const [values, getValues, setValues] = useKeyState<string[]>(
    () => form?.fields.map((f) => f.initial ?? '') ?? [],
  );
  const [focus, getFocus, setFocus] = useKeyState(0);
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useKeys('overlay', (press) => {
    if (!form || busy) return true;
    const focus = getFocus();
    const values = getValues();
    if (press.name === 'esc') actions.ui.closeForm();
    else if (press.name === 'shift-tab' || press.name === 'up') setFocus(Math.max(0, focus - 1));
    else if (
      press.name === 'tab' ||
      press.name === 'down' ||
      (press.name === 'enter' && focus < form.fields.length - 1)
    )
      setFocus(Math.min(form.fields.length - 1, focus + 1));
    else if (press.name === 'enter') {
      const missing = form.fields.findIndex((f, i) => !f.optional && !values[i].trim());
      if (missing >= 0) {
        setProblem(`${form.fields[missing].label} is empty`);
        setFocus(missing);
        return true;
      }
      setBusy(true);
      void form.onSubmit(values.map((v) => v.trim())).then((result) => {
        setBusy(false);
        if (result) setProblem(result);
        else actions.ui.closeForm();
      });
    } else {
      const next = editLine(values[focus] ?? '', press);
      if (next !== undefined) {
        setValues(values.map((v, i) => (i === focus ? next : v)));
        setProblem(undefined);
      }
    }
    return true;
  });

  if (!form) return null;
  const boxWidth = Math.min(width - 2, 80);
  const inner = boxWidth - 4;
  const labelWidth = Math.max(...form.fields.map((f) => f.label.length)) + 2;
  return (
    <Box width={width} height={height} justifyContent="center" alignItems="center">
      <Box
        flexDirection="column"
        borderStyle="round"
        borderColor={theme.accent}
        width={boxWidth}
        paddingX={1}
      >
        <Text bold>{fitWidth(form.title, inner)}</Text>
        <Text color={theme.muted}>{fitWidth(form.note, inner)}</Text>
        {form.fields.map((f, i) => {
          const shown = f.secret ? '•'.repeat(values[i].length) : values[i];
          const cursor = i === focus ? '█' : '';
          return (
            <Text key={f.label} inverse={i === focus}>
              {fitWidth(`${fitWidth(f.label, labelWidth)}${shown}${cursor}`, inner)}
            </Text>
          );
        })}
        <Box width={inner}>
          <Text color={problem ? theme.error : theme.muted} wrap="wrap">
            {busy ? 'saving…' : (problem ?? 'Tab next · Enter on the last field saves · Esc cancels')}
          </Text>
        </Box>
      </Box>
    </Box>
  );
}
