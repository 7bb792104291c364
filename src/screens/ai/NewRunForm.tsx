import { Box, Text } from 'ink';
import { useRef } from 'react';
import { Form, type FormField } from '../../components/Form';
import { type ExperimentInfo, paramsText } from '../../domain/aiRunRows';
import { expandGrid } from '../../domain/experiment';
import { fitWidth } from '../../domain/text';
import { wrapText } from '../../domain/wrapText';
import { useActions, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { editLineState } from '../../ui/lineEditor';
import { useFormState } from '../../ui/useFormState';

interface ParamField {
  key: string;
  /** What the field starts with: the param's default, or a grid key's values joined with `|`. */
  initial: string;
  grid: boolean;
}

interface FormState {
  values: string[];
  focus: number;
  cursor?: number;
  errors: Record<number, string[]>;
  problem?: string;
  starting: boolean;
}

/** The fields of an experiment's start: its grid keys first (they make the runs), then its params. */
export function paramFields(info: ExperimentInfo): ParamField[] {
  return [
    ...Object.entries(info.grid).map(([key, values]) => ({ key, initial: values.join('|'), grid: true })),
    ...Object.entries(info.params).map(([key, value]) => ({ key, initial: value, grid: false })),
  ];
}

/**
 * The `--param` overrides the fields say: a field left as it was is no override (a grid key stays a grid); a grid
 * key given one value runs only that value. Problems by field index.
 */
export function readFields(
  fields: readonly ParamField[],
  values: readonly string[],
): { overrides: Record<string, string>; errors: Record<number, string[]> } {
  const overrides: Record<string, string> = {};
  const errors: Record<number, string[]> = {};
  fields.forEach((f, i) => {
    const value = (values[i] ?? f.initial).trim();
    if (value === f.initial) return;
    if (f.grid && value.includes('|')) {
      errors[i] = [`${f.key}: one value, or the grid as it was (${f.initial}); a new grid goes in the file`];
      return;
    }
    overrides[f.key] = value;
  });
  return { overrides, errors };
}

/**
 * `n` on an experiment or its runs: its params and grid keys as fields, their values as the file has them. Enter
 * starts the runs (one per combination of what is left of the grid), Esc goes back without starting anything.
 */
export function NewRunForm({
  info,
  width,
  height,
  active,
  onClose,
}: {
  info: ExperimentInfo;
  width: number;
  height: number;
  active: boolean;
  onClose: () => void;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const fields = useRef(paramFields(info)).current;
  const [state, update] = useFormState<FormState>(
    {
      values: fields.map((f) => f.initial),
      focus: 0,
      errors: {},
      starting: false,
    },
    ['focus'],
  );

  const submit = async () => {
    const read = readFields(fields, state.current.values);
    if (Object.keys(read.errors).length > 0) {
      update({ errors: read.errors, focus: Number(Object.keys(read.errors)[0]) });
      return;
    }
    update({ starting: true, errors: {}, problem: undefined });
    const problem = await actions.ai.start(info.name, read.overrides);
    update({ starting: false });
    if (problem) update({ problem });
    else onClose();
  };

  useKeys(
    'screen',
    (press) => {
      const { values, focus, starting } = state.current;
      if (starting) return true;
      const name = press.name;
      if (name === 'esc') onClose();
      else if (name === 'enter') void submit();
      else if (name === 'tab' || name === 'down') update({ focus: Math.min(fields.length - 1, focus + 1) });
      else if (name === 'shift-tab' || name === 'up') update({ focus: Math.max(0, focus - 1) });
      else if (fields.length > 0) {
        const text = values[focus];
        const cursor = Math.min(state.current.cursor ?? text.length, text.length);
        const next = editLineState({ text, cursor }, press);
        if (next) {
          const errors = { ...state.current.errors };
          if (next.text !== text) delete errors[focus];
          update({
            values: values.map((v, i) => (i === focus ? next.text : v)),
            cursor: next.cursor,
            errors,
            problem: undefined,
          });
        }
      }
      return true;
    },
    active,
  );

  const { values, focus, cursor, errors, problem, starting } = state.current;
  const read = readFields(fields, values);
  const runs = Object.keys(read.errors).length ? [] : expandGrid(info.params, info.grid, read.overrides);
  const varying = Object.keys(info.grid).filter((k) => !Object.hasOwn(read.overrides, k));
  const preview = starting
    ? 'starting…'
    : runs.length === 1
      ? `Enter starts 1 run: ${paramsText(runs[0]) || 'no params'}`
      : `Enter starts ${runs.length} runs: ${runs
          .slice(0, 4)
          .map((r) => varying.map((k) => `${k}=${r[k]}`).join(' '))
          .join(' · ')}${runs.length > 4 ? ' · …' : ''}`;
  const formFields: FormField[] = fields.map((f, i) => ({
    key: f.key,
    label: f.key,
    kind: 'text',
    value: values[i],
    ...(i === 0 && f.grid ? { heading: 'grid (one run per value; one value runs only it)' } : {}),
    ...(!f.grid && (i === 0 || fields[i - 1].grid) ? { heading: 'params' } : {}),
    errors: errors[i],
  }));
  const problemLines = problem ? wrapText(problem, Math.max(10, width - 2)).slice(0, 3) : [];
  const formHeight = Math.max(1, height - 4 - problemLines.length);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.accent}>
        {fitWidth(`Start ${info.name}`, width)}
      </Text>
      <Text color={theme.muted}>
        {fitWidth(
          `${info.where} · ${info.metric ? `main metric ${info.metric.name}` : 'no main metric'} · Esc goes back`,
          width,
        )}
      </Text>
      {fields.length > 0 ? (
        <Form
          fields={formFields}
          focus={focus}
          cursor={cursor}
          width={width}
          height={formHeight}
          theme={theme}
        />
      ) : (
        <Box height={formHeight}>
          <Text>{fitWidth('  this experiment takes no params', width)}</Text>
        </Box>
      )}
      {problemLines.map((line, i) => (
        <Text key={`p${i}`} color={theme.error}>
          {fitWidth(` ${line}`, width)}
        </Text>
      ))}
      <Text color={theme.muted}>{fitWidth(` ${preview}`, width)}</Text>
      <Text color={theme.muted}>{fitWidth(' Tab/↓ next field · Esc back', width)}</Text>
    </Box>
  );
}
