import { Writable } from 'node:stream';

/** A command's stdout or stderr in a test: everything written to it, and how wide it says it is (a TTY's `columns`). */
export class Capture extends Writable {
  text = '';
  constructor(readonly columns?: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}
