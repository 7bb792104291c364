import { EventEmitter } from 'node:events';

/** A terminal's output side that records everything written to it. */
export class FakeStdout extends EventEmitter {
  isTTY = true;
  columns = 80;
  rows = 24;
  chunks: string[] = [];
  write = (chunk: string) => {
    this.chunks.push(String(chunk));
    return true;
  };
  text = () => this.chunks.join('');
}

/** A terminal's input side: `press` sends bytes as if typed. */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  press = (bytes: string) => {
    this.data = bytes;
    this.emit('readable');
    this.emit('data', bytes);
  };
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export function fakeTerminal() {
  return {
    stdout: new FakeStdout() as unknown as NodeJS.WriteStream & FakeStdout,
    stderr: new FakeStdout() as unknown as NodeJS.WriteStream & FakeStdout,
    stdin: new FakeStdin() as unknown as NodeJS.ReadStream & FakeStdin,
  };
}
