import { Box, Text } from 'ink';
import { useState } from 'react';
import { fitWidth } from '../domain/text';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { LineInput } from '../ui/LineInput';
import { editLineState, type LineState, lineOf } from '../ui/lineEditor';
import { useKeyState } from '../ui/useKeyState';

/** A few lines to fill in (`:login`): Tab/Enter next field, Enter on the last submits, Esc cancels. */
export function FormOverlay({ width, height }: { width: number; height: number }) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const form = useDeck((s) => s.ui.form);
  const [values, getValues, setValues] = useKeyState<LineState[]>(
    () => form?.fields.map((f) => lineOf(f.initial ?? '')) ?? [],
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
      const missing = form.fields.findIndex((f, i) => !f.optional && !values[i].text.trim());
      if (missing >= 0) {
        setProblem(`${form.fields[missing].label} is empty`);
        setFocus(missing);
        return true;
      }
      setBusy(true);
      void form.onSubmit(values.map((v) => v.text.trim())).then((result) => {
        setBusy(false);
        if (result) setProblem(result);
        else actions.ui.closeForm();
      });
    } else {
      const next = editLineState(values[focus] ?? lineOf(''), press);
      if (next) {
        setValues(values.map((v, i) => (i === focus ? next : v)));
        setProblem(undefined);
      }
    }
    return true;
  });

  if (!form) return null;
  const boxWidth = Math.min(width - 2, 80);
  const inner = boxWidth - 4;
  // `> ` marks the field being typed into (its cursor shows where), the label, two spaces.
  const labelWidth = Math.max(...form.fields.map((f) => f.label.length)) + 4;
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
          const valueWidth = Math.max(1, inner - labelWidth);
          if (i !== focus) {
            const shown = f.secret ? '•'.repeat(values[i].text.length) : values[i].text;
            return (
              <Text key={f.label}>{fitWidth(`${fitWidth(`  ${f.label}`, labelWidth)}${shown}`, inner)}</Text>
            );
          }
          return (
            <Text key={f.label} wrap="truncate">
              <Text bold>{`${fitWidth(`> ${f.label}`, labelWidth)}`}</Text>
              <LineInput line={values[i]} width={valueWidth} secret={f.secret} />
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
