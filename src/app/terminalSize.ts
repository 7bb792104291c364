import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** Used when the output stream does not say its size (pipes, ink-testing-library). */
export const fallbackSize = { columns: 80, rows: 24 };
export const minimumSize = { columns: 50, rows: 10 };

/**
 * Rows the console draws: one less than the terminal has. When Ink 6.8's output is as tall as the terminal it
 * clears the whole screen before every frame (the flicker, and a full repaint over SSH); one line shorter, it
 * rewrites only the lines that changed.
 */
export function drawableRows(terminalRows: number): number {
  return Math.max(1, terminalRows - 1);
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || fallbackSize.columns, rows: stdout.rows || fallbackSize.rows };
}
