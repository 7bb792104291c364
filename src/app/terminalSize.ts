import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** Used when the output stream does not say its size (pipes, ink-testing-library). */
export const fallbackSize = { columns: 80, rows: 24 };
export const minimumSize = { columns: 50, rows: 10 };

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
