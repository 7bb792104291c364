import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';

const coalescing = Symbol('infradeck.coalescing');

/**
 * Commands a connection sends in one burst of work (one callback and the promise reactions it sets off) leave in one
 * write to the socket instead of one each. On loopback a write costs more than the commands in it (the sender's
 * system call carries the receiver's TCP work too): a pipeline step sends ~8 commands from as many places, and one
 * write per command was a fifth of a worker's busy time. Unlike ioredis' auto-pipelining (which waits for the event
 * loop's next check phase) nothing waits: the socket is uncorked as soon as the current burst has run
 * (`process.nextTick`). The order of commands on the connection is kept: a cork only holds writes back.
 */
export function coalesceWrites(conn: Redis): void {
  const wrap = () => {
    const stream = (conn as unknown as { stream?: Socket & { [coalescing]?: true } }).stream;
    if (!stream || stream[coalescing]) return;
    stream[coalescing] = true;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    let corked = false;
    stream.write = ((...args: unknown[]) => {
      if (!corked) {
        corked = true;
        stream.cork();
        process.nextTick(() => {
          corked = false;
          stream.uncork();
        });
      }
      return write(...args);
    }) as Socket['write'];
  };
  // ioredis makes a new socket on every (re)connect, and writes nothing on it before it says `connect`.
  conn.on('connect', wrap);
}
