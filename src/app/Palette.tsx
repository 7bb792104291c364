import { Box, Text } from 'ink';
import { useState } from 'react';
import { fitWidth } from '../domain/text';
import { useActions, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { editLine } from '../ui/lineEditor';
import type { CommandContext, PaletteCommand } from '../ui/paletteCommand';
import { useKeyState } from '../ui/useKeyState';
import { completeLine, runLine, splitWords } from './commands';

export const paletteSuggestionRows = 5;

/** The `:` command line: aliases, arguments, Tab completion. Draws its suggestions and the prompt line. */
export function Palette({
  commands,
  context,
  width,
}: {
  commands: readonly PaletteCommand[];
  context: CommandContext;
  width: number;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const [line, getLine, setLine] = useKeyState('');
  const [candidates, setCandidates] = useState<string[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useKeys('overlay', (press) => {
    if (press.name === 'esc') actions.ui.closeOverlay();
    else if (press.name === 'enter') {
      actions.ui.closeOverlay();
      const problem = runLine(commands, getLine(), context);
      if (problem) actions.ui.notify('warn', problem);
    } else if (press.name === 'tab') {
      const completion = completeLine(commands, getLine());
      setLine(completion.line);
      setCandidates(completion.candidates);
      setError(completion.candidates.length === 0 ? 'no completions' : undefined);
    } else {
      const next = editLine(getLine(), press);
      if (next !== undefined) {
        setLine(next);
        setCandidates(undefined);
        setError(undefined);
      }
    }
    return true;
  });

  const suggestions = suggestionLines(commands, line, candidates).slice(0, paletteSuggestionRows);
  return (
    <Box flexDirection="column" width={width} height={paletteSuggestionRows + 1}>
      {Array.from({ length: paletteSuggestionRows }, (_, i) => (
        <Text key={i} color={theme.muted}>
          {fitWidth(suggestions[i] ?? '', width)}
        </Text>
      ))}
      <Text>
        <Text color={theme.accent}>:</Text>
        {fitWidth(`${line}█${error ? `   ${error}` : ''}`, width - 1)}
      </Text>
    </Box>
  );
}

function suggestionLines(commands: readonly PaletteCommand[], line: string, candidates?: string[]): string[] {
  const first = splitWords(line)[0] ?? '';
  const typingName = !line.includes(' ');
  if (candidates && !typingName) return candidates;
  const matching = commands.filter(
    (c) => c.name.startsWith(first) || c.aliases.some((a) => a.startsWith(first)) || !typingName,
  );
  const relevant = typingName
    ? matching
    : matching.filter((c) => c.name === first || c.aliases.includes(first));
  return relevant.map((c) => {
    const aliases = c.aliases.length ? ` (${c.aliases.join(', ')})` : '';
    return ` ${c.name}${c.args ? ` ${c.args}` : ''}${aliases} — ${c.description}`;
  });
}
