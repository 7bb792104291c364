import { spawnSync } from 'node:child_process';
import type { DeckStore } from '../state/store';
import { enterAltScreen, leaveAltScreen } from './terminal';

const frameMs = 60;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs an interactive program (ssh, $EDITOR) in the user's terminal and brings the console back exactly as it
 * was: the React tree stays mounted (cursor, filters, open views), only the screen is handed over.
 */
export function suspendTerminal(opts: {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  store: DeckStore;
}): (program: string, args: string[]) => Promise<number> {
  const { stdout, stdin, store } = opts;
  return async (program, args) => {
    const { setSuspended, notify } = store.getState().actions.ui;
    setSuspended(true);
    await wait(frameMs); // let Ink draw the blank frame, so the next real frame rewrites every line
    stdout.write(leaveAltScreen);
    stdin.setRawMode?.(false);
    // spawnSync blocks this process's event loop, so nothing here reads the keyboard while the program runs.
    const result = spawnSync(program, args, { stdio: 'inherit' });
    stdin.setRawMode?.(true);
    const rows = stdout.rows || 24;
    // Back to a clean alternate screen with the cursor where Ink left it: below its last line.
    stdout.write(`${enterAltScreen}\x1b[${rows};1H`);
    setSuspended(false);
    if (result.error) {
      notify('error', `${program}: ${result.error.message}`);
      return 127;
    }
    return result.status ?? 1;
  };
}
