import { Text } from 'ink';
import { type LineState, lineWindow } from './lineEditor';

/**
 * A one-line input as text inside a `<Text>`: what fits of it in `width` columns around the cursor, the
 * character under the cursor inverse, a block after the text when the cursor is at its end. A selected text
 * (shown again to be replaced) is inverse as a whole.
 */
export function LineInput({ line, width, secret }: { line: LineState; width: number; secret?: boolean }) {
  const shown = secret ? { ...line, text: '•'.repeat(line.text.length) } : line;
  const { before, at, after } = lineWindow(shown, width);
  if (line.selected) return <Text inverse>{`${before}${at}${after}`}</Text>;
  return (
    <Text>
      {before}
      {at ? <Text inverse>{at}</Text> : '█'}
      {after}
    </Text>
  );
}
