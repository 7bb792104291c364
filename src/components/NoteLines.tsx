import { Text } from 'ink';
import { fitWidth } from '../domain/text';
import { twoLines } from '../domain/wrapText';
import type { Theme } from '../ui/theme';

/**
 * The two lines under a table that say more about the row under the cursor, wrapped to the width: an error in
 * the error colour, a warning in the warning colour, anything else muted.
 */
export function NoteLines({
  note,
  width,
  colors,
}: {
  note: { text: string; error?: boolean; warn?: boolean };
  width: number;
  colors: Pick<Theme, 'error' | 'warn' | 'muted'>;
}) {
  const lines = twoLines(note.text, Math.max(10, width - 2));
  const color = note.error ? colors.error : note.warn ? colors.warn : colors.muted;
  return [0, 1].map((i) => (
    <Text key={i} color={color}>
      {fitWidth(` ${lines[i] ?? ''}`, width)}
    </Text>
  ));
}
