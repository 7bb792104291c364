/**
 * Alternate screen on/off. Ink 6.8 has no option for it, so the console writes the sequences itself. Bracketed
 * paste (2004) goes with it: a paste reaches the console as one input (ui/terminalInput.ts), and is off again
 * wherever the shell or a program run from the console (ssh, $EDITOR) gets the terminal.
 */
export const enterAltScreen = '\x1b[?1049h\x1b[H\x1b[?2004h';
export const leaveAltScreen = '\x1b[?2004l\x1b[?25h\x1b[?1049l';

export interface TerminalGuard {
  /** Leaves the alternate screen and shows the cursor; safe to call more than once. */
  restore(): void;
  dispose(): void;
}

/**
 * Puts the terminal in full-screen mode and makes sure every way out gives it back:
 * normal quit, Ctrl-C, SIGTERM/SIGHUP, an uncaught error or a rejected promise.
 */
export function takeTerminal(
  stdout: NodeJS.WriteStream,
  opts: {
    guardProcess: boolean;
    onFatal: (what: string, error: unknown) => void;
    onSignal: (signal: string) => void;
    /** Running inside tmux (`$TMUX`): see the resize note below. */
    tmux?: boolean;
  },
): TerminalGuard {
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(leaveAltScreen);
  };
  stdout.write(enterAltScreen);
  // tmux (3.3) copies the alternate screen into the saved main screen when a pane is resized, so after quitting
  // the shell would show the console's rows. On each resize under tmux the main screen is cleared and saved
  // again (what it held is gone already); other terminals keep theirs and are left alone.
  const resaveMainScreen = () => {
    if (!restored) stdout.write(`${leaveAltScreen}\x1b[H\x1b[2J${enterAltScreen}`);
  };
  const underTmux = Boolean(opts.tmux);
  if (underTmux) stdout.on('resize', resaveMainScreen);
  const stopResave = () => {
    if (underTmux) stdout.off('resize', resaveMainScreen);
  };
  if (!opts.guardProcess) return { restore, dispose: stopResave };

  const onExit = () => restore();
  const onSignal = (signal: NodeJS.Signals) => opts.onSignal(signal);
  const onUncaught = (error: unknown) => {
    restore();
    opts.onFatal('uncaught exception', error);
  };
  const onRejection = (error: unknown) => {
    restore();
    opts.onFatal('unhandled promise rejection', error);
  };
  process.on('exit', onExit);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onRejection);
  return {
    restore,
    dispose: () => {
      stopResave();
      process.off('exit', onExit);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
      process.off('SIGINT', onSignal);
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onRejection);
    },
  };
}
