import { useStdout } from 'ink';
import { useActions } from './deckContext';

/**
 * OSC 52 "set the clipboard": the terminal the person sits at takes the text, also over SSH and through tmux
 * (with `set-clipboard on`, which also keeps it as a tmux buffer). BEL ends it: every terminal that reads OSC 52
 * accepts BEL, not every one accepts ST.
 */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

/**
 * How a copied value reads in the toast: whole when short, else without its middle. A path or an id is told by
 * its end (`/srv/infra/ws/projec…` named no file), so the end keeps the larger part.
 */
export function copiedLabel(text: string, max = 40): string {
  const line = text.replace(/\s+/g, ' ');
  if (line.length <= max) return line;
  const head = Math.floor((max - 1) * 0.4);
  return `${line.slice(0, head)}…${line.slice(line.length - (max - 1 - head))}`;
}

/**
 * `y`: puts a value on the clipboard and says so. The sequence goes to the stream Ink draws on; it moves no
 * cursor and draws nothing, so the frame stays as it is.
 */
export function useCopy(): (text: string | undefined) => void {
  const { stdout } = useStdout();
  const actions = useActions();
  return (text) => {
    if (!text) {
      actions.ui.notify('warn', 'nothing to copy here');
      return;
    }
    stdout.write(osc52(text));
    actions.ui.notify('info', `copied ${copiedLabel(text)} to the clipboard`);
  };
}
