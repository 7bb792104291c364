import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines with bounded memory: a line longer than `maxLength` is emitted cut at
 * `maxLength` (with a marker saying how much was left out) and the rest of it is skipped up to the next
 * newline, so a binary blob or a 1 GB line without a newline costs at most `maxLength` characters.
 * Bytes that are not UTF-8 become U+FFFD; a multi-byte character split across chunks is kept whole.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  /** Characters skipped in the current over-long line (0 = not skipping). */
  private skipped = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLength = 4096,
  ) {}

  push(chunk: Buffer): void {
    this.take(this.decoder.write(chunk));
  }

  /** End of stream: the last line, even without a trailing newline. */
  end(): void {
    this.take(this.decoder.end());
    if (this.partial.length > 0 || this.skipped > 0) this.emit();
  }

  private take(text: string): void {
    let from = 0;
    while (from < text.length) {
      const nl = text.indexOf('\n', from);
      const upto = nl === -1 ? text.length : nl;
      this.append(text, from, upto);
      if (nl === -1) return;
      this.emit();
      from = nl + 1;
    }
  }

  private append(text: string, from: number, to: number): void {
    if (this.skipped > 0) {
      this.skipped += to - from;
      return;
    }
    const room = this.maxLength - this.partial.length;
    if (to - from <= room) {
      this.partial += text.slice(from, to);
      return;
    }
    this.partial += text.slice(from, from + room);
    this.skipped = to - from - room;
  }

  private emit(): void {
    let line = this.partial;
    if (this.skipped > 0) line += `… [line cut: ${this.skipped} more characters]`;
    else if (line.endsWith('\r')) line = line.slice(0, -1);
    this.partial = '';
    this.skipped = 0;
    this.onLine(line);
  }
}

/** Feeds a stream's bytes to a `LineSplitter`; resolves once the stream ended, closed or failed. */
export function readLines(
  stream: Readable,
  onLine: (line: string) => void,
  maxLineLength: number,
): Promise<void> {
  const splitter = new LineSplitter(onLine, maxLineLength);
  return new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.once('end', () => {
      splitter.end();
      resolve();
    });
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

/**
 * Waits for `done` (the streams' ends) up to `ms`; then destroys the streams: a program's leftover child that keeps
 * the pipe open must not hold its job forever.
 */
export async function waitOrDestroy(done: Promise<unknown>, streams: Readable[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const which = await Promise.race([done, late]);
  clearTimeout(timer);
  if (which === 'late') for (const s of streams) s.destroy();
}
