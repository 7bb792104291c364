import { EventEmitter } from 'node:events';

/**
 * The output side of a terminal of a fixed size. It keeps only counts and what was written since the last
 * `mark()`, so thousands of frames cost little to record, and a hook to time the moment a frame is written.
 */
export class BenchStdout extends EventEmitter {
  readonly isTTY = true;
  writes = 0;
  bytes = 0;
  /** Everything written since the last `mark()`. */
  recent = '';
  /** `performance.now()` of the latest write. */
  lastWriteAt = 0;
  onWrite: ((chunk: string) => void) | undefined;

  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }

  write = (chunk: string | Uint8Array): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    this.lastWriteAt = performance.now();
    this.writes += 1;
    this.bytes += text.length;
    this.recent += text;
    this.onWrite?.(text);
    return true;
  };

  mark(): void {
    this.recent = '';
  }
}

/** The input side: `press` delivers bytes the way a TTY in raw mode does (Ink reads on 'readable'). */
export class BenchStdin extends EventEmitter {
  readonly isTTY = true;
  private queued: string[] = [];

  press(bytes: string): void {
    this.queued.push(bytes);
    this.emit('readable');
  }

  read(): string | null {
    return this.queued.shift() ?? null;
  }

  setEncoding(): this {
    return this;
  }
  setRawMode(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** What Ink writes after each frame to a TTY (end of a synchronized update). */
export const FRAME_END = '\u001b[?2026l';

/**
 * Resolves with the `performance.now()` of the next frame end written to `stdout`, or undefined after
 * `timeoutMs`. Call it before the action whose frame you wait for: a frame can be written synchronously.
 */
export function nextFrameWritten(stdout: BenchStdout, timeoutMs = 250): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stdout.onWrite = undefined;
      resolve(undefined);
    }, timeoutMs);
    stdout.onWrite = (chunk) => {
      if (!chunk.includes(FRAME_END)) return;
      clearTimeout(timer);
      stdout.onWrite = undefined;
      resolve(stdout.lastWriteAt);
    };
  });
}

export function benchTerminal(columns: number, rows: number) {
  return {
    stdout: new BenchStdout(columns, rows) as unknown as NodeJS.WriteStream & BenchStdout,
    stderr: new BenchStdout(columns, rows) as unknown as NodeJS.WriteStream & BenchStdout,
    stdin: new BenchStdin() as unknown as NodeJS.ReadStream & BenchStdin,
  };
}

/** The bytes a terminal sends for a key, in the keymap's spelling. */
export const keyBytes: Record<string, string> = {
  enter: '\r',
  esc: '\x1b',
  pgdn: '\x1b[6~',
  pgup: '\x1b[5~',
  down: '\x1b[B',
  up: '\x1b[A',
  backspace: '\x7f',
};
