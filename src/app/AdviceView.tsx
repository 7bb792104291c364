import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { DataTable } from '../components/DataTable';
import { type Column, Priority } from '../components/tableModel';
import { useTable } from '../components/useTable';
import { type AdviceFinding, type AdviceReport, describeRow } from '../domain/adviceFinding';
import { canChange } from '../domain/job';
import { fitWidth, stripControl } from '../domain/text';
import { wrapText } from '../domain/wrapText';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { fitHintLine, type KeyHint, keyHintItems } from '../ui/keyHints';
import type { Keymap } from '../ui/keymap';
import { keyLabel } from '../ui/keyName';
import { offeredJobLine, offerJob } from './AssistantOffer';

const columns: Column<AdviceFinding>[] = [
  { key: 'severity', title: 'SEV', value: (f) => f.severity, whole: true, priority: Priority.identity },
  { key: 'rule', title: 'RULE', value: (f) => f.rule, whole: true, priority: Priority.identity },
  {
    key: 'rows',
    title: 'ABOUT',
    value: (f) =>
      `${f.rows[0] ? describeRow(f.rows[0]) : ''}${f.rows.length > 1 ? ` +${f.rows.length - 1}` : ''}`,
    priority: Priority.main,
    // `sg-0a1b… (default) in eu-west-1`: the id's start and the region both stay when it is cut.
    cut: 'middle',
  },
  // A job kind cut (`co…`) names nothing: the column hides instead, before ABOUT is cut (the finding's details
  // below name the job too).
  { key: 'job', title: 'JOB', value: (f) => f.suggestion?.kind ?? '', whole: true, priority: Priority.extra },
  { key: 'why', title: 'WHY', value: (f) => f.why, priority: Priority.extra },
];

const findingKey = (f: AdviceFinding) => `${f.rule}:${f.rows[0]?.region ?? ''}/${f.rows[0]?.id ?? ''}`;
const noFindings: AdviceFinding[] = [];

/**
 * `:advise`: the built-in rules over what the console knows, most severe first; under the list, the finding at
 * the cursor: why, every row it is about, the job it suggests. Enter offers that job (confirmed first, refused
 * read-only when it changes things); `r` reads again; Esc closes.
 */
export function AdviceView({ width, height, active }: { width: number; height: number; active: boolean }) {
  const { theme, keymap } = useDeckContext();
  const actions = useActions();
  const advice = useDeck((s) => s.assistant.advice);
  const lastJob = useDeck((s) => s.assistant.lastJob);
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const findings = advice?.report?.findings ?? noFindings;
  const textWidth = Math.max(1, width - 2);
  const tableHeight = Math.max(3, Math.floor((height - 3) / 2));
  const detailHeight = Math.max(0, height - 3 - tableHeight);
  const table = useTable({ rows: findings, columns, rowKey: findingKey, height: tableHeight });

  useKeys(
    'overlay',
    (press) => {
      // Its own keys (`assistantKeys.ts`): `?` lists them, and a key rebound in config.yaml works here as listed.
      const action = press.action(['advice']);
      if (action === 'view.back' || action === 'assistant.close') actions.assistant.close();
      else if (action === 'advice.reload') void actions.assistant.advise();
      else if (action === 'advice.offer') {
        const f = table.cursorRow;
        if (f?.suggestion?.notHere) actions.ui.notify('warn', `not offered: ${f.suggestion.notHere}`);
        else if (f?.suggestion)
          offerJob(f.suggestion, {
            actions,
            readOnly,
            title: `Run the job suggested for ${f.rule}?`,
            ...(f.suggestion.note ? { note: f.suggestion.note } : {}),
          });
      } else if (!action || !table.act(action)) return false;
      return true;
    },
    active,
  );

  const detail = useMemo(
    () => detailLines(table.cursorRow, advice?.report, textWidth, readOnly),
    [table.cursorRow, advice?.report, textWidth, readOnly],
  );
  const status = lastJob ? offeredJobLine(lastJob, readOnly) : undefined;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden" paddingX={1}>
      <Text bold color={theme.accent}>
        {fitWidth(title(advice?.loading ?? true, advice?.report), textWidth)}
      </Text>
      <DataTable
        table={table}
        columns={columns}
        width={textWidth}
        height={tableHeight}
        noColor={theme.noColor}
        emptyMessage={
          advice?.loading ? 'Reading the resource index, the jobs and the schedules…' : 'No findings.'
        }
      />
      <Box flexDirection="column" height={detailHeight} overflow="hidden">
        {detail.slice(0, detailHeight).map((line, i) => (
          <Text
            key={i}
            bold={line.bold}
            color={line.warn ? theme.warn : line.muted ? theme.muted : undefined}
          >
            {fitWidth(line.text, textWidth)}
          </Text>
        ))}
      </Box>
      <Text color={status?.error ? theme.error : theme.ok}>{fitWidth(status?.text ?? '', textWidth)}</Text>
      <Text color={theme.muted}>
        {fitWidth(
          fitHintLine(
            {
              screen: keyHintItems(adviceHints(table.cursorRow, readOnly, keymap), keymap, ['advice']),
              global: [],
            },
            textWidth,
          ),
          textWidth,
        )}
      </Text>
    </Box>
  );
}

/** The view's keys under it, each written as the keymap binds it; what Enter does depends on the finding. */
function adviceHints(f: AdviceFinding | undefined, readOnly: boolean, keymap: Keymap): KeyHint[] {
  const offer = f?.suggestion
    ? [
        {
          action: 'advice.offer',
          label: f.suggestion.notHere
            ? 'not offered here'
            : readOnly && canChange(f.suggestion.kind)
              ? 'run suggested job (refused read-only)'
              : 'run suggested job (asks first)',
        },
      ]
    : [];
  const down = keymap.keysFor('nav.down', 'advice')[0];
  const up = keymap.keysFor('nav.up', 'advice')[0];
  // What a narrow terminal drops first goes last: closing matters more than reading again.
  return [
    ...offer,
    { action: 'view.back', label: 'close' },
    ...(down && up ? [`${keyLabel(down)}/${keyLabel(up)} move`] : []),
    { action: 'advice.reload', label: 'read again' },
  ];
}

function title(loading: boolean, report: AdviceReport | undefined): string {
  if (!report) return 'Advice: reading…';
  const n = report.findings.length;
  const by = (s: string) => report.findings.filter((f) => f.severity === s).length;
  const counts =
    n === 0
      ? 'no findings'
      : `${n} finding${n === 1 ? '' : 's'}: ${by('high')} high, ${by('medium')} medium, ${by('low')} low`;
  const unread = report.notes.length ? ` · ${report.notes.length} not checked (below)` : '';
  return `Advice: ${counts}${unread}${loading ? ' · reading again…' : ''}`;
}

interface DetailLine {
  text: string;
  bold?: boolean;
  warn?: boolean;
  muted?: boolean;
}

function detailLines(
  f: AdviceFinding | undefined,
  report: AdviceReport | undefined,
  width: number,
  readOnly: boolean,
): DetailLine[] {
  const out: DetailLine[] = [];
  if (f) {
    for (const text of wrapText(`[${f.severity}] ${f.rule}: ${stripControl(f.why)}`, width))
      out.push({ text, bold: true });
    const rows = f.rows.slice(0, 5).map(describeRow).join(', ');
    const more = f.rows.length > 5 ? ` and ${f.rows.length - 5} more` : '';
    for (const text of wrapText(`about: ${stripControl(rows)}${more}`, width)) out.push({ text });
    const s = f.suggestion;
    if (s) {
      const refused = s.notHere
        ? `, not offered: ${s.notHere}`
        : readOnly && canChange(s.kind)
          ? ', refused read-only: it changes things'
          : '';
      for (const text of wrapText(`suggested job (${s.kind}${refused}): ${stripControl(s.summary)}`, width))
        out.push({ text });
      out.push({
        text: `  ${stripControl(JSON.stringify({ kind: s.kind, payload: s.payload }))}`,
        muted: true,
      });
      if (s.note) out.push({ text: `note: ${stripControl(s.note)}`, warn: true });
    } else out.push({ text: 'no job suggested', muted: true });
  }
  for (const note of report?.notes ?? [])
    out.push({ text: `not checked: ${stripControl(note)}`, warn: true });
  return out;
}
