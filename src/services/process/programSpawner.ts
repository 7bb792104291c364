import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
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

/** How the helper starts programs: libc's `posix_spawnp` (no copy of its memory), or Node's `spawn` (a fork). */
export type SpawnMethod = 'posix_spawn' | 'fork';

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
 *   on its only thread, where a plain `node` pays ~1 ms). The helper is a bare `node -e` process: its starts run
 *   beside the worker's thread, not on it. On Linux it starts programs with libc's `posix_spawnp` through koffi
 *   (`clone(CLONE_VM|CLONE_VFORK)`: nothing of its memory copied, which Node 20's libuv does not use on Linux; where
 *   forks are dear, a quarter of the CPU of Node's `spawn`, parent and child counted); without koffi or glibc it
 *   forks with Node's `spawn`.
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

/** How programs started with this grace period were started (undefined before the first one). */
export function spawnMethod(killGraceMs: number): SpawnMethod | undefined {
  return spawnerFor(killGraceMs).method;
}

type FromHelper =
  | { t: 'method'; method: SpawnMethod }
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
  /** How the current helper starts programs, once it said so. */
  method: SpawnMethod | undefined;
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
      ['-e', helperSource, 'infradeck-spawner', String(this.graceSeconds), koffiPath()],
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
    if (m.t === 'method') {
      this.method = m.method;
      return;
    }
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

/**
 * Where the helper finds koffi (a C FFI that ships its binaries in its npm package), to start programs with libc's
 * `posix_spawnp`; '' has it fork with Node's `spawn`. Linux only (the helper binds glibc's `libc.so.6`), and
 * `INFRADECK_SPAWN=fork` turns it off.
 */
function koffiPath(): string {
  if (process.platform !== 'linux' || process.env.INFRADECK_SPAWN === 'fork') return '';
  if (process.env.INFRADECK_KOFFI !== undefined) return process.env.INFRADECK_KOFFI;
  try {
    return createRequire(import.meta.url).resolve('koffi');
  } catch {
    return '';
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
 * The helper's program (CommonJS, `node -e`; argv[2] is the grace period in seconds, argv[3] koffi's path or '').
 * Kept as plain source text: it must load nothing but Node itself (and koffi), so that it stays small.
 */
const helperSource = `
'use strict';
const { spawn } = require('node:child_process');
process.title = 'infradeck-spawner';
const grace = Number(process.argv[2]) || 5;
const programs = new Map();
const groups = new Map();
const send = (m) => { if (process.connected) process.send(m, undefined, undefined, () => {}); };
let posix;
try {
  posix = process.argv[3] ? posixSpawner(process.argv[3]) : undefined;
} catch {
  // No koffi, no glibc (musl), a glibc older than 2.34 (no addclosefrom_np): Node's spawn, as before.
}
send({ t: 'method', method: posix ? 'posix_spawn' : 'fork' });
// libc's posix_spawnp through koffi: a child in a session of its own (POSIX_SPAWN_SETSID), all signals at their default
// and none blocked (as libuv does), stdin /dev/null, stdout and stderr pipes read here, no other fd inherited. Children
// are reaped on SIGCHLD by waitpid(pid, WNOHANG) for this helper's own pids.
function posixSpawner(koffiPath) {
  const koffi = require(koffiPath);
  const net = require('node:net');
  const { EventEmitter } = require('node:events');
  const os = require('node:os');
  const c = koffi.load('libc.so.6');
  const f = (s) => c.func(s);
  const spawnp = f('int posix_spawnp(_Out_ int *pid, const char *file, void *fa, void *attr, const char **argv, const char **envp)');
  const faInit = f('int posix_spawn_file_actions_init(void *fa)');
  const faDestroy = f('int posix_spawn_file_actions_destroy(void *fa)');
  const faOpen = f('int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int oflag, uint32 mode)');
  const faDup2 = f('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)');
  const faChdir = f('int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)');
  const faCloseFrom = f('int posix_spawn_file_actions_addclosefrom_np(void *fa, int from)');
  const attrInit = f('int posix_spawnattr_init(void *attr)');
  const attrFlags = f('int posix_spawnattr_setflags(void *attr, short flags)');
  const attrSigDefault = f('int posix_spawnattr_setsigdefault(void *attr, const void *set)');
  const attrSigMask = f('int posix_spawnattr_setsigmask(void *attr, const void *set)');
  const sigfillset = f('int sigfillset(void *set)');
  const sigemptyset = f('int sigemptyset(void *set)');
  const pipe2 = f('int pipe2(_Out_ int *fds, int flags)');
  const close = f('int close(int fd)');
  const waitpid = f('int waitpid(int pid, _Out_ int *status, int options)');
  const errnoName = {};
  for (const [k, v] of Object.entries(os.constants.errno)) if (!(v in errnoName)) errnoName[v] = k;
  const signalName = {};
  for (const [k, v] of Object.entries(os.constants.signals)) if (!(v in signalName)) signalName[v] = k;
  const O_CLOEXEC = 0o2000000, WNOHANG = 1;
  const attr = Buffer.alloc(1024), all = Buffer.alloc(128), none = Buffer.alloc(128);
  attrInit(attr);
  sigfillset(all);
  // glibc's own signals (32, 33) are left out by sigfillset, and its posix_spawn then leaves them ignored in the child
  // (an ignored signal stays ignored across exec): set in the mask here, they are reset to their default like the rest.
  all[3] |= 0x80;
  all[4] |= 0x01;
  sigemptyset(none);
  attrSigDefault(attr, all);
  attrSigMask(attr, none);
  attrFlags(attr, 0x80 | 0x04 | 0x08); // SETSID | SETSIGDEF | SETSIGMASK
  const live = new Map();
  const status = new Int32Array(1);
  process.on('SIGCHLD', () => {
    for (const [pid, child] of live) {
      const r = waitpid(pid, status, WNOHANG);
      if (r === 0) continue;
      live.delete(pid);
      const s = status[0];
      if (r !== pid) child.gone(null, 'SIGKILL');
      else if ((s & 0x7f) === 0) child.gone((s >> 8) & 0xff, null);
      else child.gone(null, signalName[s & 0x7f] || null);
    }
  });
  const path = require('node:path');
  const fs = require('node:fs');
  const findInPath = (file, cwd, PATH) => {
    const base = cwd ? path.resolve(cwd) : process.cwd();
    if (file.includes('/')) return path.resolve(base, file);
    for (const dir of (PATH === undefined ? '/bin:/usr/bin' : PATH).split(':')) {
      const candidate = path.resolve(base, dir || '.', file);
      try { fs.accessSync(candidate, fs.constants.X_OK); return candidate; } catch {}
    }
    return undefined;
  };
  return (m) => {
    const fail = (errno, syscall) => {
      const code = errnoName[errno] || 'E' + errno;
      send({ t: 'error', id: m.id, message: syscall + ' ' + code, code, path: m.file, syscall });
    };
    // As Node's spawn: a string with a NUL byte is refused (C would cut it there).
    const strings = [m.file, ...m.argv, m.cwd || ''];
    for (const k in m.env) if (m.env[k] !== undefined) strings.push(k, String(m.env[k]));
    if (strings.some((v) => typeof v === 'string' && v.includes('\\0'))) {
      send({ t: 'error', id: m.id, message: 'a string with a null byte, for ' + m.file, code: 'ERR_INVALID_ARG_VALUE' });
      return undefined;
    }
    const out = new Int32Array(2), err = new Int32Array(2);
    if (pipe2(out, O_CLOEXEC) !== 0) return fail(koffi.errno(), 'pipe');
    if (pipe2(err, O_CLOEXEC) !== 0) { const e = koffi.errno(); close(out[0]); close(out[1]); return fail(e, 'pipe'); }
    const fa = Buffer.alloc(1024);
    faInit(fa);
    faOpen(fa, 0, '/dev/null', 0, 0);
    faDup2(fa, out[1], 1);
    faDup2(fa, err[1], 2);
    if (m.cwd) faChdir(fa, m.cwd);
    faCloseFrom(fa, 3);
    const env = [];
    for (const k in m.env) if (m.env[k] !== undefined) env.push(k + '=' + m.env[k]);
    env.push(null);
    // posix_spawnp searches the PATH of the caller (this helper, which runs with no environment): the program's own
    // PATH is put here for the search, as execvp in libuv's child sees it.
    if (m.env.PATH === undefined) delete process.env.PATH;
    else process.env.PATH = m.env.PATH;
    const pid = new Int32Array(1);
    let rc = spawnp(pid, m.file, fa, attr, [m.file, ...m.argv, null], env);
    // execvp (libuv's) runs a file without #! by /bin/sh; posix_spawnp says ENOEXEC: do what execvp does.
    if (rc === 8 /* ENOEXEC */) {
      const found = findInPath(m.file, m.cwd, m.env.PATH);
      if (found) rc = spawnp(pid, '/bin/sh', fa, attr, ['/bin/sh', found, ...m.argv, null], env);
    }
    faDestroy(fa);
    close(out[1]);
    close(err[1]);
    if (rc !== 0) {
      close(out[0]);
      close(err[0]);
      fail(rc, 'spawn ' + m.file);
      return undefined;
    }
    const child = new EventEmitter();
    child.pid = pid[0];
    child.stdout = new net.Socket({ fd: out[0], readable: true, writable: false });
    child.stderr = new net.Socket({ fd: err[0], readable: true, writable: false });
    let open = 2, exited = false;
    const closed = () => { if (--open === 0 && exited) child.emit('close'); };
    child.stdout.once('close', closed);
    child.stderr.once('close', closed);
    child.gone = (code, signal) => {
      exited = true;
      child.emit('exit', code, signal);
      if (open === 0) child.emit('close');
    };
    live.set(child.pid, child);
    return child;
  };
}
const killAll = (signal) => { for (const pgid of groups.values()) { try { process.kill(-pgid, signal); } catch {} } };
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('message', (m) => {
  const p = programs.get(m.id);
  if (m.t === 'spawn') {
    let child;
    try {
      child = posix ? posix(m) : spawn(m.file, m.argv, { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      if (!child) return;
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
