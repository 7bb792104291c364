import { type ChildProcess, spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { endGroup, signalGroup } from './processGroup';

/** A program started by the spawner: its process group (its pid), its output, and its end. */
export interface SpawnedProgram {
  /** The program's pid, which is also its process group's id (it leads a group of its own). */
  pid: number;
  stdout: Readable;
  stderr: Readable;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Cancel, timeout: SIGTERM to its group now, SIGKILL after the grace period (a second call does nothing). */
  stop(): void;
  /**
   * Once it exited: what it left running in its group goes too (SIGTERM, the grace period, SIGKILL, until none is
   * left), which also closes pipes such leftovers hold; the spawner then stops watching the group.
   */
  end(): Promise<void>;
}

export interface SpawnRequest {
  file: string;
  argv: readonly string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Programs are started by a small helper process, not by the worker itself, for two reasons.
 *
 * - Speed. Node's `spawn` forks the calling process and blocks until the child has exec'd; a fork copies the page
 *   tables of the caller's memory, so its cost grows with the worker's heap (a worker at 70 MB pays ~3 ms a program
 *   on its only thread, where a plain `node` pays ~1 ms). The helper is a bare `node -e` process: its forks are
 *   cheap and run beside the worker's thread, not on it.
 * - Safety. The helper is the watchdog: it holds the IPC channel from the worker, and when the channel closes with
 *   groups it started still running (the worker died, even by SIGKILL, which nothing can catch), it ends them:
 *   SIGTERM, a grace period, SIGKILL. It hears of a group when it forks it, so no moment is left in which a worker
 *   killed right after the fork leaves its program running.
 *
 * The helper runs in its own session (a terminal's Ctrl-C does not reach it) and ends with its worker. Output comes
 * over the channel as it is read, with backpressure: a reader that stops reading pauses the program's pipe.
 */
export function spawnProgram(request: SpawnRequest, killGraceMs: number): Promise<SpawnedProgram> {
  return spawnerFor(killGraceMs).spawn(request, killGraceMs);
}

type FromHelper =
  | { t: 'spawned'; id: number; pid: number }
  | { t: 'error'; id: number; message: string; code?: string; path?: string; syscall?: string }
  | { t: 'out'; id: number; n: 1 | 2; d: Uint8Array }
  | { t: 'end'; id: number; n: 1 | 2 }
  | {
      t: 'exit';
      id: number;
      code: number | null;
      signal: NodeJS.Signals | null;
      ended: (1 | 2)[];
      /** Something of its group still ran when it exited: the helper watches the group until `end` has ended it. */
      left: boolean;
    };

interface Pending {
  killGraceMs: number;
  resolve(program: SpawnedProgram): void;
  reject(error: Error): void;
  program?: Running;
}

interface Running {
  streams: { 1: HelperStream; 2: HelperStream };
  /** The helper still watches the group (it was not empty when the program exited). */
  watched: boolean;
  exit(value: { code: number | null; signal: NodeJS.Signals | null }): void;
  /** Its streams that ended (or were destroyed here) and whether it exited: with both streams and the exit, done. */
  finished: Set<1 | 2>;
  exited: boolean;
}

/** A program's output stream in the worker, fed from the helper; reading slower than it comes pauses the pipe. */
class HelperStream extends Readable {
  private paused = false;

  constructor(private readonly flow: (pause: boolean) => void) {
    super({ highWaterMark: 64 * 1024 });
  }

  feed(chunk: Uint8Array): void {
    if (this.destroyed) return;
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.push(buffer) && !this.paused) {
      this.paused = true;
      this.flow(true);
    }
  }

  override _read(): void {
    if (!this.paused) return;
    this.paused = false;
    this.flow(false);
  }
}

class Spawner {
  private helper: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly graceSeconds: number) {}

  spawn(request: SpawnRequest, killGraceMs: number): Promise<SpawnedProgram> {
    const helper = this.ensure();
    const id = this.nextId++;
    return new Promise<SpawnedProgram>((resolve, reject) => {
      this.pending.set(id, { killGraceMs, resolve, reject });
      // The channel keeps the process alive only while a program runs (the helper must not hold an idle worker).
      if (this.pending.size === 1) helper.channel?.ref();
      this.send({
        t: 'spawn',
        id,
        file: request.file,
        argv: [...request.argv],
        cwd: request.cwd,
        env: request.env,
      });
    });
  }

  private send(message: object): void {
    const helper = this.helper;
    if (helper?.connected) helper.send(message, undefined, undefined, () => {});
  }

  private ensure(): ChildProcess {
    if (this.helper?.connected) return this.helper;
    const helper = spawn(
      process.execPath,
      ['-e', helperSource, 'infradeck-spawner', String(this.graceSeconds)],
      {
        detached: true,
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        serialization: 'advanced',
        // It needs nothing of the worker's environment (each program's comes with its request): no secrets, and no
        // Node options meant for the worker (a loader, a profiler, --inspect).
        env: {},
      },
    );
    helper.on('error', () => {});
    helper.on('message', (message: FromHelper) => this.receive(message));
    helper.once('exit', () => this.lost(helper));
    helper.unref();
    helper.channel?.unref();
    this.helper = helper;
    return helper;
  }

  private receive(m: FromHelper): void {
    const entry = this.pending.get(m.id);
    if (!entry) return;
    switch (m.t) {
      case 'spawned': {
        const flow = (n: 1 | 2) => (pause: boolean) =>
          this.send({ t: pause ? 'pause' : 'resume', id: m.id, n });
        let exit!: Running['exit'];
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
          exit = resolve;
        });
        const streams = { 1: new HelperStream(flow(1)), 2: new HelperStream(flow(2)) };
        // A reader that gives up on a stream (a leftover holds the pipe open) has the helper close its end; the
        // helper then tells no end of it.
        for (const n of [1, 2] as const) {
          streams[n].once('close', () => {
            if (streams[n].readableEnded) return;
            this.send({ t: 'destroy', id: m.id, n });
            this.finish(m.id, entry, n);
          });
        }
        const program: Running = { streams, exit, finished: new Set(), exited: false, watched: true };
        entry.program = program;
        const { killGraceMs } = entry;
        let killTimer: NodeJS.Timeout | undefined;
        entry.resolve({
          pid: m.pid,
          stdout: streams[1],
          stderr: streams[2],
          exited,
          stop: () => {
            if (killTimer) return;
            signalGroup(m.pid, 'SIGTERM');
            killTimer = setTimeout(() => signalGroup(m.pid, 'SIGKILL'), killGraceMs);
          },
          end: async () => {
            await endGroup(m.pid, killGraceMs);
            clearTimeout(killTimer);
            if (program.watched) this.send({ t: 'forget', id: m.id });
          },
        });
        return;
      }
      case 'error': {
        this.done(m.id);
        const error = Object.assign(new Error(m.message), {
          ...(m.code ? { code: m.code } : {}),
          ...(m.path ? { path: m.path } : {}),
          ...(m.syscall ? { syscall: m.syscall } : {}),
        });
        entry.reject(error);
        return;
      }
      case 'out':
        entry.program?.streams[m.n].feed(m.d);
        return;
      case 'end':
        entry.program?.streams[m.n].push(null);
        this.finish(m.id, entry, m.n);
        return;
      case 'exit':
        // Streams that ended before the program exited are told with its exit (one message, not three).
        for (const n of m.ended) {
          entry.program?.streams[n].push(null);
          this.finish(m.id, entry, n);
        }
        if (entry.program) entry.program.watched = m.left;
        entry.program?.exit({ code: m.code, signal: m.signal });
        this.finish(m.id, entry, 'exit');
        return;
    }
  }

  private finish(id: number, entry: Pending, what: 1 | 2 | 'exit'): void {
    const program = entry.program;
    if (!program) return;
    if (what === 'exit') program.exited = true;
    else program.finished.add(what);
    if (program.exited && program.finished.size === 2) this.done(id);
  }

  private done(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.helper?.channel?.unref();
  }

  /** The helper died (killed, out of memory): its programs' pipes are gone; the next program starts a new one. */
  private lost(helper: ChildProcess): void {
    if (this.helper === helper) this.helper = undefined;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      if (!entry.program) {
        entry.reject(new Error('the process that starts programs on this worker stopped'));
        continue;
      }
      for (const s of Object.values(entry.program.streams)) s.push(null);
      entry.program.exit({ code: null, signal: 'SIGKILL' });
    }
  }
}

const spawners = new Map<number, Spawner>();

function spawnerFor(killGraceMs: number): Spawner {
  const graceSeconds = Math.max(1, Math.ceil(killGraceMs / 1000));
  let spawner = spawners.get(graceSeconds);
  if (!spawner) {
    spawner = new Spawner(graceSeconds);
    spawners.set(graceSeconds, spawner);
  }
  return spawner;
}

/**
 * The helper's program (CommonJS, `node -e`; argv[2] is the grace period in seconds). Kept as plain source text:
 * it must load nothing but Node itself, so that it stays small.
 */
const helperSource = `
'use strict';
const { spawn } = require('node:child_process');
process.title = 'infradeck-spawner';
const grace = Number(process.argv[2]) || 5;
const programs = new Map();
const groups = new Map();
const send = (m) => { if (process.connected) process.send(m, undefined, undefined, () => {}); };
const killAll = (signal) => { for (const pgid of groups.values()) { try { process.kill(-pgid, signal); } catch {} } };
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('message', (m) => {
  const p = programs.get(m.id);
  if (m.t === 'spawn') {
    let child;
    try {
      child = spawn(m.file, m.argv, { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      send({ t: 'error', id: m.id, message: String(e && e.message), code: e && e.code });
      return;
    }
    if (child.pid === undefined) {
      child.once('error', (e) => send({ t: 'error', id: m.id, message: e.message, code: e.code, path: e.path, syscall: e.syscall }));
      return;
    }
    child.on('error', () => {});
    programs.set(m.id, child);
    groups.set(m.id, child.pid);
    send({ t: 'spawned', id: m.id, pid: child.pid });
    let exited = false;
    const ended = [];
    [[1, child.stdout], [2, child.stderr]].forEach(([n, s]) => {
      s.on('data', (d) => send({ t: 'out', id: m.id, n, d }));
      s.once('end', () => (exited ? send({ t: 'end', id: m.id, n }) : ended.push(n)));
      s.on('error', () => {});
    });
    child.once('exit', (code, signal) => {
      exited = true;
      // An empty group needs no watching: the worker then sends no 'forget' for it.
      let left = true;
      try { process.kill(-child.pid, 0); } catch (e) { left = e.code === 'EPERM'; }
      if (!left) groups.delete(m.id);
      send({ t: 'exit', id: m.id, code, signal, ended, left });
    });
    child.once('close', () => programs.delete(m.id));
  } else if (m.t === 'forget') {
    groups.delete(m.id);
  } else if (p) {
    const s = m.n === 1 ? p.stdout : p.stderr;
    if (m.t === 'pause') s.pause();
    else if (m.t === 'resume') s.resume();
    else if (m.t === 'destroy') s.destroy();
  }
});
process.on('disconnect', () => {
  if (groups.size === 0) process.exit(0);
  killAll('SIGTERM');
  setTimeout(() => { killAll('SIGKILL'); process.exit(0); }, grace * 1000);
});
`;
