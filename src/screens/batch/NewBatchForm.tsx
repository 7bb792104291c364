import { Box, Text } from 'ink';
import { Form, type FormField } from '../../components/Form';
import { adHocBatch, targetWords } from '../../domain/batch';
import type { BatchPlan } from '../../domain/batchPlan';
import { fitWidth, splitWords } from '../../domain/text';
import { useActions, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { editLineState } from '../../ui/lineEditor';
import { useFormState } from '../../ui/useFormState';

type Where = 'ssh' | 'local';

interface Draft {
  targets: string;
  command: string;
  where: Where;
  serial: string;
  maxFail: string;
  pause: string;
  timeout: string;
}

type FieldKey = keyof Draft;

const fields: { key: FieldKey; label: string; hint: string }[] = [
  {
    key: 'targets',
    label: 'Targets',
    hint: 'servers.yaml names or addresses ([user@]host[:port]), separated by spaces or commas',
  },
  {
    key: 'command',
    label: 'Command',
    hint: 'program and arguments, split as a shell splits words ("…" keeps spaces); no shell runs it',
  },
  {
    key: 'where',
    label: 'Runs',
    hint: 'Space or ←/→ switches (s ssh, l local): ssh runs it on each target; local on the worker, INFRADECK_TARGET set',
  },
  {
    key: 'serial',
    label: 'Serial',
    hint: 'targets per wave: 3, 25% or 1,10%,50% (the last repeats); empty: all',
  },
  {
    key: 'maxFail',
    label: 'Max fail %',
    hint: 'a wave with a larger failed share stops the batch; empty: 0',
  },
  { key: 'pause', label: 'Pause', hint: 'between waves: 30s, 2m, or manual (A advances it); empty: none' },
  { key: 'timeout', label: 'Timeout', hint: 'per target: 30s, 5m; empty: 10m' },
];

/** adHocBatch's field names, as this form names them. */
const fieldOfProblem: Record<string, FieldKey> = {
  targets: 'targets',
  command: 'command',
  serial: 'serial',
  maxFailPercentage: 'maxFail',
  pause: 'pause',
  timeout: 'timeout',
};

interface FormState {
  draft: Draft;
  focus: number;
  cursor?: number;
  errors: Partial<Record<FieldKey, string[]>>;
  checking: boolean;
}

const whereText: Record<Where, string> = {
  ssh: 'ssh    over ssh on each target (Space: local)',
  local: 'local  on the worker, once per target (Space: ssh)',
};

/**
 * `n` on the Batch tab: an ad-hoc batch, checked by the same rules as a batch file (each problem under its
 * field) and its targets resolved; then the plan is shown and asked about like any start.
 */
export function NewBatchForm({
  width,
  height,
  active,
  onPlanned,
  onClose,
}: {
  width: number;
  height: number;
  active: boolean;
  onPlanned: (plan: BatchPlan) => void;
  onClose: () => void;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const [state, update] = useFormState<FormState>(
    {
      draft: { targets: '', command: '', where: 'ssh', serial: '', maxFail: '', pause: '', timeout: '' },
      focus: 0,
      errors: {},
      checking: false,
    },
    ['focus'],
  );

  const submit = async () => {
    const { draft } = state.current;
    const words = targetWords(draft.targets);
    const [program = '', ...args] = splitWords(draft.command);
    const read = adHocBatch({
      targets: words.length > 0 ? [{ names: words }] : [],
      action: { type: draft.where, program, args },
      serial: draft.serial,
      maxFailPercentage: draft.maxFail,
      pause: draft.pause,
      timeout: draft.timeout,
    });
    if (!read.ok) {
      const errors: FormState['errors'] = {};
      for (const e of read.errors) {
        const key = fieldOfProblem[e.field] ?? 'targets';
        errors[key] = [...(errors[key] ?? []), e.message];
      }
      const first = fields.findIndex((f) => errors[f.key]);
      update({ errors, focus: first >= 0 ? first : state.current.focus });
      return;
    }
    update({ checking: true, errors: {} });
    const planned = await actions.batches.plan(read.batch);
    update({ checking: false });
    if (!planned.ok) {
      update({ errors: { targets: planned.errors }, focus: 0 });
      return;
    }
    onPlanned(planned.plan);
  };

  useKeys(
    'screen',
    (press) => {
      const { draft, focus, checking } = state.current;
      if (checking) return true;
      const field = fields[focus];
      const name = press.name;
      if (name === 'esc') onClose();
      else if (name === 'enter') void submit();
      else if (name === 'tab' || name === 'down') update({ focus: Math.min(fields.length - 1, focus + 1) });
      else if (name === 'shift-tab' || name === 'up') update({ focus: Math.max(0, focus - 1) });
      else if (field.key === 'where') {
        if (name === 'space' || name === 'left' || name === 'right')
          update({ draft: { ...draft, where: draft.where === 'ssh' ? 'local' : 'ssh' } });
        else if (name === 's' || name === 'l')
          update({ draft: { ...draft, where: name === 's' ? 'ssh' : 'local' } });
      } else {
        const text = draft[field.key] as string;
        const cursor = Math.min(state.current.cursor ?? text.length, text.length);
        const next = editLineState({ text, cursor }, press);
        if (next) {
          const errors =
            next.text === text ? state.current.errors : { ...state.current.errors, [field.key]: undefined };
          update({ draft: { ...draft, [field.key]: next.text }, cursor: next.cursor, errors });
        }
      }
      return true;
    },
    active,
  );

  const { draft, focus, cursor, errors, checking } = state.current;
  const formFields: FormField[] = fields.map((f) => ({
    key: f.key,
    label: f.label,
    kind: 'text',
    value: f.key === 'where' ? whereText[draft.where] : draft[f.key],
    errors: errors[f.key],
  }));
  const hint = checking ? 'resolving the targets…' : fields[focus].hint;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.accent}>
        {fitWidth('New ad-hoc batch', width)}
      </Text>
      <Text color={theme.muted}>
        {fitWidth('Nothing runs before the plan (targets, waves) is shown and you answer y.', width)}
      </Text>
      <Form
        fields={formFields}
        focus={focus}
        cursor={fields[focus].key === 'where' ? 0 : cursor}
        width={width}
        height={Math.max(1, height - 3)}
        theme={theme}
      />
      <Text color={theme.muted}>{fitWidth(`  ${hint}`, width)}</Text>
    </Box>
  );
}
