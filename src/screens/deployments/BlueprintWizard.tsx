import { Box, Text } from 'ink';
import { type ReactNode, useEffect, useMemo, useRef } from 'react';
import { Form, type FormField } from '../../components/Form';
import { scrollNote } from '../../components/LogView';
import type { SourceError } from '../../domain/sourceError';
import { displayWidth, fitWidth } from '../../domain/text';
import { wrapText } from '../../domain/wrapText';
import { useActions, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { editLineState } from '../../ui/lineEditor';
import { useFormState } from '../../ui/useFormState';
import {
  addItem,
  blueprintInputOf,
  fieldValue,
  fillDefaults,
  isItemField,
  newDraft,
  problemsByField,
  removeItemOf,
  stepFields,
  stepList,
  stepOfPath,
  type WizardDraft,
  type WizardStep,
  withFieldValue,
  wizardSteps,
} from './wizardDraft';

const itemWord: Record<string, string> = { subnets: 'subnet', instances: 'server', buckets: 'bucket' };

interface WizardState {
  draft: WizardDraft;
  stepIndex: number;
  focus: number;
  /** Where the cursor is in the focused text field (undefined: at its end, where a newly focused field starts). */
  cursor?: number;
  /** Steps whose problems are shown (the user tried to leave them). */
  shown: ReadonlySet<WizardStep>;
  /** Why the last save was refused (the name was taken meanwhile). */
  saveErrors: SourceError[];
  saving: boolean;
  reviewOffset: number;
}

/**
 * `n` on the Deployments screen: a new blueprint in five steps (project, network, servers, buckets, review).
 * Each step is checked by the blueprint schema before the next one opens, with every problem under its field;
 * the review shows the YAML that will be written, and Enter writes it (atomically, refused if the name is
 * taken).
 */
export function BlueprintWizard({
  width,
  height,
  active,
  takenNames,
  onClose,
}: {
  width: number;
  height: number;
  active: boolean;
  /** Projects that exist: a new one may not reuse their names. */
  takenNames: readonly string[];
  /** `file`: the blueprint written; undefined when the wizard was left without writing. */
  onClose: (file?: string) => void;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const [state, update] = useFormState<WizardState>(
    {
      draft: newDraft(),
      stepIndex: 0,
      focus: 0,
      shown: new Set(),
      saveErrors: [],
      saving: false,
      reviewOffset: 0,
    },
    ['focus', 'stepIndex'],
  );
  const checked = useRef<{ draft?: WizardDraft; saveErrors?: SourceError[]; problems: SourceError[] }>({
    problems: [],
  });
  /** The draft's problems (the schema's, a taken name, the save's), computed once per draft. */
  const problemsOf = (): SourceError[] => {
    const { draft, saveErrors } = state.current;
    const c = checked.current;
    if (c.draft === draft && c.saveErrors === saveErrors) return c.problems;
    const found = [...actions.projects.checkDraft(blueprintInputOf(draft)), ...saveErrors];
    const name = draft.name.trim();
    if (name && takenNames.includes(name) && !found.some((p) => p.path === 'name'))
      found.push({ file: '', line: 0, column: 0, path: 'name', message: `project "${name}" already exists` });
    checked.current = { draft, saveErrors, problems: found };
    return found;
  };
  const errorsOf = (s: WizardStep) => problemsByField(problemsOf(), s, stepFields(s, state.current.draft));

  const change = (next: WizardDraft) => update({ draft: next, saveErrors: [] });
  const goTo = (index: number, focusAt: 'first' | 'last' = 'first') => {
    const target = wizardSteps[index].id;
    const filled = fillDefaults(state.current.draft, target);
    if (filled !== state.current.draft) change(filled);
    update({
      stepIndex: index,
      focus: focusAt === 'first' ? 0 : Math.max(0, stepFields(target, filled).length - 1),
      reviewOffset: 0,
    });
  };
  /** Leaves the step forward when it has no problems; else shows them and goes to the first one. */
  const forward = () => {
    const { stepIndex, draft, shown } = state.current;
    const step = wizardSteps[stepIndex].id;
    update({ shown: new Set(shown).add(step) });
    const mine = errorsOf(step);
    if (mine.size > 0) {
      const at = stepFields(step, draft).findIndex((f) => mine.has(f.key));
      if (at >= 0) update({ focus: at });
      return;
    }
    goTo(stepIndex + 1);
  };
  const back = () => {
    const { focus, stepIndex } = state.current;
    if (focus > 0) update({ focus: focus - 1 });
    else if (stepIndex > 0) goTo(stepIndex - 1, 'last');
    else leave();
  };
  const leave = () => {
    const untouched = JSON.stringify(state.current.draft) === JSON.stringify(newDraft());
    if (untouched) return onClose();
    actions.ui.confirm({
      title: 'Leave the wizard?',
      lines: ['The new blueprint is not written: what was typed is lost.'],
      onYes: () => onClose(),
    });
  };
  const everyStep = () => new Set<WizardStep>(wizardSteps.map((s) => s.id));
  const save = async () => {
    // Every step is checked before anything is written: the first one with a problem opens.
    const bad = wizardSteps.findIndex((s) => s.id !== 'review' && errorsOf(s.id).size > 0);
    if (bad >= 0) {
      update({ shown: everyStep() });
      goTo(bad);
      return;
    }
    update({ saving: true });
    const saved = await actions.projects.saveNew(blueprintInputOf(state.current.draft));
    update({ saving: false });
    if (saved.ok) {
      onClose(saved.file);
      return;
    }
    update({ saveErrors: saved.errors, shown: everyStep() });
    const first = saved.errors[0];
    const at = first ? wizardSteps.findIndex((s) => s.id === stepOfPath(first.path)) : -1;
    if (at >= 0 && wizardSteps[at].id !== 'review') goTo(at);
  };

  const { draft, stepIndex, focus, cursor, shown, saving, reviewOffset } = state.current;
  const step = wizardSteps[stepIndex].id;
  const fields = stepFields(step, draft);
  const errors = shown.has(step) ? errorsOf(step) : new Map<string, string[]>();
  /** The YAML the review shows, a line each (the file's last newline makes no empty line). */
  const yamlOf = (d: WizardDraft) =>
    actions.projects.draftYaml(blueprintInputOf(d)).replace(/\n+$/, '').split('\n');
  // biome-ignore lint/correctness/useExhaustiveDependencies: yamlOf reads only actions and the draft
  const yaml = useMemo(() => (step === 'review' ? yamlOf(draft) : []), [actions, draft, step]);

  // The keys are on the console's hint line (the screen's view follows the focus), never in a footer of its own.
  const bodyHeight = Math.max(3, height - 3);
  const list = stepList(step);
  const focused = fields[focus];
  const focusKind = focused ? (focused.kind === 'toggle' ? 'toggle' : 'text') : 'none';
  const inItem = focused !== undefined && isItemField(focused.key);
  useEffect(() => {
    actions.projects.focusWizard({
      step,
      ...(list ? { item: itemWord[list] } : {}),
      field: focusKind,
      inItem,
    });
  }, [actions, step, list, focusKind, inItem]);
  useKeys(
    'screen',
    (press) => {
      const { draft, stepIndex, focus, saving } = state.current;
      if (saving) return true;
      const step = wizardSteps[stepIndex].id;
      const fields = stepFields(step, draft);
      const field = fields[focus];
      const name = press.name;
      if (step === 'review') {
        // The first row of the body says what Enter does; the YAML has the others.
        const last = Math.max(0, yamlOf(draft).length - (bodyHeight - 1));
        if (name === 'enter') void save();
        else if (name === 'esc' || name === 'shift-tab' || name === 'pgup') goTo(stepIndex - 1, 'last');
        else if (name === 'j' || name === 'down')
          update({ reviewOffset: Math.min(state.current.reviewOffset + 1, last) });
        else if (name === 'k' || name === 'up')
          update({ reviewOffset: Math.max(0, state.current.reviewOffset - 1) });
        return true;
      }
      if (name === 'tab' || name === 'enter' || name === 'down') {
        if (focus < fields.length - 1) update({ focus: focus + 1 });
        else forward();
      } else if (name === 'shift-tab' || name === 'up' || name === 'esc') back();
      else if (name === 'pgdn') forward();
      else if (name === 'pgup') {
        if (stepIndex > 0) goTo(stepIndex - 1);
      } else if (name === 'ctrl-n') {
        const list = stepList(step);
        if (list) {
          // Items are the last fields of their step: the new one starts where the old fields ended.
          change(addItem(draft, list));
          update({ focus: fields.length });
        }
      } else if (name === 'ctrl-x') {
        const next = field ? removeItemOf(draft, field.key) : undefined;
        if (next) {
          change(next);
          update({ focus: Math.max(0, Math.min(focus, stepFields(step, next).length - 1)) });
        }
      } else if (field?.kind === 'toggle') {
        const value = fieldValue(draft, field.key) === true;
        if (name === 'space' || name === 'x') change(withFieldValue(draft, field.key, !value));
        else if (name === 'y' || name === 'n') change(withFieldValue(draft, field.key, name === 'y'));
      } else if (field?.kind === 'text') {
        const text = String(fieldValue(draft, field.key));
        const cursor = Math.min(state.current.cursor ?? text.length, text.length);
        const next = editLineState({ text, cursor }, press);
        if (next) {
          if (next.text !== text) change(withFieldValue(draft, field.key, next.text));
          update({ cursor: next.cursor });
        }
      }
      return true;
    },
    active,
  );

  const trail = wizardSteps.map((s, i) => (i === stepIndex ? `[${s.title}]` : s.title)).join(' › ');
  const counted = `New blueprint · step ${stepIndex + 1}/${wizardSteps.length}`;
  // Too narrow for every step's name: the one open, whole (the cut trail would lose it from `Servers` on).
  const whole = `${counted} · ${trail}`;
  const header = displayWidth(whole) <= width ? whole : `${counted} · ${wizardSteps[stepIndex].title}`;
  const general = (errors.get('') ?? []).flatMap((e) => wrapText(`✖ ${e}`, width - 2));

  let body: ReactNode;
  if (step === 'review') {
    const stillBad = wizardSteps.filter((s) => s.id !== 'review' && errorsOf(s.id).size > 0);
    const note = stillBad.length
      ? `Problems in: ${stillBad.map((s) => s.title).join(', ')} (Enter goes there)`
      : `Enter writes ${draft.name.trim()}.yaml to the projects folder:`;
    body = (
      <Box flexDirection="column" height={bodyHeight}>
        <Text color={stillBad.length ? theme.error : theme.ok}>{fitWidth(note, width)}</Text>
        {yaml.slice(reviewOffset, reviewOffset + bodyHeight - 1).map((l, i) => (
          <Text key={i}>{fitWidth(`  ${l}`, width)}</Text>
        ))}
      </Box>
    );
  } else {
    const formFields: FormField[] = fields.map((f) => ({
      key: f.key,
      label: f.label,
      kind: f.kind,
      value: fieldValue(draft, f.key),
      heading: f.heading,
      errors: errors.get(f.key),
    }));
    const room = Math.max(1, bodyHeight - Math.min(general.length, 3));
    body = (
      <Box flexDirection="column" height={bodyHeight}>
        {general.slice(0, 3).map((l, i) => (
          <Text key={`g${i}`} color={theme.error}>
            {fitWidth(l, width)}
          </Text>
        ))}
        {fields.length > 0 ? (
          <Form fields={formFields} focus={focus} cursor={cursor} width={width} height={room} theme={theme} />
        ) : (
          <Text color={theme.muted}>
            {fitWidth(list ? `  No ${list} yet: Ctrl-N adds one, Enter goes on without any.` : '', width)}
          </Text>
        )}
      </Box>
    );
  }

  // Under the body: the focused field's hint; at the review, where the YAML is when it does not fit.
  const yamlRows = bodyHeight - 1;
  const hint = saving
    ? 'writing…'
    : step === 'review'
      ? yaml.length > yamlRows
        ? scrollNote(reviewOffset, yamlRows, yaml.length)
        : ''
      : `  ${fields[focus]?.hint ?? ''}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.accent}>
        {fitWidth(header, width)}
      </Text>
      <Text> </Text>
      {body}
      <Text color={theme.muted}>{fitWidth(hint, width)}</Text>
    </Box>
  );
}
