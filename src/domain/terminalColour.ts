import { didYouMean } from './didYouMean';

/** The colour names a terminal draws (chalk's foreground names, which Ink's `color` takes). */
export const terminalColourNames = [
  'black',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'white',
  'gray',
  'grey',
  'blackBright',
  'redBright',
  'greenBright',
  'yellowBright',
  'blueBright',
  'magentaBright',
  'cyanBright',
  'whiteBright',
] as const;

const names: ReadonlySet<string> = new Set(terminalColourNames);
const byte = (n: string) => Number(n) <= 255;

/**
 * A colour name, `#rgb`/`#rrggbb`, `ansi256(n)` or `rgb(r, g, b)`. Anything else is not drawn at all, and a
 * word like `level` or `bold` would reach chalk as a property that is not a colour.
 */
export function isTerminalColour(value: string): boolean {
  if (names.has(value)) return true;
  if (/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value)) return true;
  const ansi = /^ansi256\(\s?(\d{1,3})\s?\)$/.exec(value);
  if (ansi) return byte(ansi[1]);
  const rgb = /^rgb\(\s?(\d{1,3}),\s?(\d{1,3}),\s?(\d{1,3})\s?\)$/.exec(value);
  return rgb?.slice(1).every(byte) ?? false;
}

/** `"purple" is not a colour (did you mean "magenta"?…)`, for a value `isTerminalColour` refuses. */
export function terminalColourProblem(value: unknown): string {
  const shown = JSON.stringify(value);
  const suggestion = typeof value === 'string' ? didYouMean(value, terminalColourNames, 2) : undefined;
  const hint = suggestion ? `did you mean "${suggestion}"? ` : '';
  return `${shown} is not a colour (${hint}use a name like cyan, magenta or blueBright, #rrggbb, ansi256(n) or rgb(r, g, b))`;
}
