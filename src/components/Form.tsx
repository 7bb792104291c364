import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { fitWidth } from '../domain/text';
import { wrapText } from '../domain/wrapText';
import { lineWindow } from '../ui/lineEditor';
import type { Theme } from '../ui/theme';

export interface FormField {
  key: string;
  label: string;
  kind: 'text' | 'toggle';
  value: string | boolean;
  /** Printed on its own line before the field. */
  heading?: string;
  /** Shown under the field, one line each. */
  errors?: string[];
}

interface FormLine {
  text: string;
  kind: 'heading' | 'field' | 'error';
  field: number;
  /** Where the focused input's cursor is in `text` (a UTF-16 index). */
  cursorAt?: number;
}

const labelWidth = 13;

/**
 * The lines a form takes in `width` columns: headings, fields and the errors under them (wrapped, never
 * cut), each tagged with its field. A focused value too long for its room shows its end, where the typing is.
 */
export function formLines(
  fields: readonly FormField[],
  focus: number,
  width: number,
  cursor?: number,
): FormLine[] {
  const lines: FormLine[] = [];
  const room = Math.max(8, width - labelWidth - 3);
  fields.forEach((f, i) => {
    if (f.heading) lines.push({ text: f.heading, kind: 'heading', field: i });
    const label = `${i === focus ? '>' : ' '} ${f.label.padEnd(labelWidth)} `;
    if (f.kind === 'text' && i === focus) {
      // The part of the value around the cursor; the character under it is drawn inverse (a block at the end).
      const text = String(f.value);
      const window = lineWindow({ text, cursor: Math.min(cursor ?? text.length, text.length) }, room);
      const input = `${label}${window.before}`;
      lines.push({
        text: `${input}${window.at || '█'}${window.after}`,
        kind: 'field',
        field: i,
        ...(window.at ? { cursorAt: input.length } : {}),
      });
    } else {
      const value = f.kind === 'toggle' ? (f.value ? '[x] yes' : '[ ] no') : String(f.value);
      lines.push({ text: `${label}${value}`, kind: 'field', field: i });
    }
    for (const e of f.errors ?? []) {
      for (const part of wrapText(`✖ ${e}`, Math.max(10, width - 4))) {
        lines.push({ text: `    ${part}`, kind: 'error', field: i });
      }
    }
  });
  return lines;
}

/** The first line to show so the focused field, its heading and its errors are all visible. */
export function formOffset(lines: readonly FormLine[], focus: number, height: number): number {
  const first = lines.findIndex((l) => l.field === focus);
  if (first < 0) return 0;
  let last = first;
  while (last + 1 < lines.length && lines[last + 1].field === focus) last++;
  const start = Math.max(0, Math.min(first, last - height + 1));
  return Math.min(start, Math.max(0, lines.length - height));
}

/**
 * A column of labelled fields with their errors under them: text inputs and yes/no toggles. It only draws;
 * the owner handles the keys (`editLineState` for text) and keeps the values. Exactly `height` lines, scrolled so
 * the focused field stays in view.
 */
export function Form({
  fields,
  focus,
  cursor,
  width,
  height,
  theme,
}: {
  fields: readonly FormField[];
  focus: number;
  /** The cursor in the focused text field (undefined: at its end). */
  cursor?: number;
  width: number;
  height: number;
  theme: Theme;
}): ReactNode {
  const lines = formLines(fields, focus, width, cursor);
  const offset = formOffset(lines, focus, height);
  const shown = lines.slice(offset, offset + height);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((l, i) => (
        <Text
          key={`${offset + i}`}
          bold={l.kind === 'heading' || (l.kind === 'field' && l.field === focus)}
          color={l.kind === 'error' ? theme.error : l.kind === 'heading' ? theme.accent : undefined}
        >
          {l.cursorAt === undefined ? (
            fitWidth(l.text, width)
          ) : (
            <Cursor line={fitWidth(l.text, width)} at={l.cursorAt} />
          )}
        </Text>
      ))}
    </Box>
  );
}

/** A line with the character at `at` inverse: the focused input's cursor. */
function Cursor({ line, at }: { line: string; at: number }): ReactNode {
  const end = /[\uD800-\uDBFF]/.test(line[at] ?? '') ? at + 2 : at + 1;
  return (
    <>
      {line.slice(0, at)}
      <Text inverse>{line.slice(at, end) || ' '}</Text>
      {line.slice(end)}
    </>
  );
}
