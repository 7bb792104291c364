import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Redis } from 'ioredis';
import { withScripts } from '../bus/redisScripts';
import { parseRedisUrl } from '../bus/redisUrl';
import { CloudError } from './cloudError';
import { sleep } from './retry';

/** What a shared world needs of a DEMO account: all it holds, out and in (`DemoEndpoint.exportState`). */
export interface DemoWorldAccount {
  exportState(): string;
  importState(json: string): void;
  /** The account as its seed makes it: the world again once its keys are deleted. */
  seedState?(): string;
}

/**
 * One DEMO world for several processes. `transact` runs a call's work on the latest world, alone among every
 * process sharing it, and keeps what the work changed; a work may run twice (it must only change the world).
 */
export interface DemoWorld {
  transact<T>(work: () => T): Promise<T>;
  /** `redis://127.0.0.1:6379 (prefix infradeck)`: for messages. */
  readonly where: string;
}

/** Binds a shared world to the account of one DemoCloud (see `DemoCloudOptions.sharedWorld`). */
export type DemoWorldFactory = (account: DemoWorldAccount) => DemoWorld;

export interface RedisDemoWorldSettings {
  redisUrl: string;
  prefix: string;
  /** PEM file of a private CA for rediss://. */
  redisCaFile?: string;
  /** How long a lock outlives a process killed while holding it (default 3 s). */
  lockMs?: number;
  /** How long a call waits for the lock before it fails (default 20 s). */
  waitMs?: number;
}

/** `<prefix>:demo:world` (the account as JSON), `…:version` (a new random id at every write), `…:lock`. */
export function demoWorldKeys(prefix: string): { world: string; version: string; lock: string } {
  return { world: `${prefix}:demo:world`, version: `${prefix}:demo:version`, lock: `${prefix}:demo:lock` };
}

// KEYS: lock, version, world. The world comes back only when its version is not the one this process holds.
const acquireLua = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local v = redis.call('GET', KEYS[2]) or '0'
if v == ARGV[3] then return {v} end
return {v, redis.call('GET', KEYS[3]) or ''}`;

// Written only over the version it was made from: a process whose lock ran out meanwhile (paused, swapping)
// gets 0 and runs its calls again on the newer world instead of overwriting it. A version is a random id, not a
// count: after the keys are deleted (the world started again) no process can hold a version that matches by chance.
const commitLua = `
local ours = redis.call('GET', KEYS[1]) == ARGV[1]
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[2] then
  if ours then redis.call('DEL', KEYS[1]) end
  return 0
end
redis.call('SET', KEYS[3], ARGV[3])
redis.call('SET', KEYS[2], ARGV[4])
if ours then redis.call('DEL', KEYS[1]) end
return 1`;

const releaseLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type WorldConnection = Redis & {
  demoWorldAcquire(...args: (string | number)[]): Promise<[string, string?] | null>;
  demoWorldCommit(...args: (string | number)[]): Promise<number>;
  demoWorldRelease(...args: (string | number)[]): Promise<number>;
};

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The DEMO world of every process on one Redis and bus prefix (the console, each `infradeck worker`, each
 * command), so a deploy one worker started and another finishes acts on one account, as on AWS. The first
 * process to write seeds it with its own (seeded) account. The calls a process makes meanwhile wait for the
 * one in flight and then run together under one lock and one write; the simulated latency is spent before,
 * outside the lock. Its connection opens at the first call (asking who we are needs none) and does not
 * keep the process alive between calls.
 */
export function redisDemoWorld(settings: RedisDemoWorldSettings): DemoWorldFactory {
  return (account) => new RedisDemoWorld(settings, account);
}

class RedisDemoWorld implements DemoWorld {
  readonly where: string;
  private readonly keys: ReturnType<typeof demoWorldKeys>;
  private readonly lockMs: number;
  private readonly waitMs: number;
  private conn: WorldConnection | undefined;
  private queue: Pending[] = [];
  private flushing = false;
  /** The version of the world this process holds ('0': none read yet; '': unknown, read it again). */
  private version = '0';
  /** The world as last read or written, to tell whether a batch changed it. */
  private held: string | undefined;

  constructor(
    private readonly settings: RedisDemoWorldSettings,
    private readonly account: DemoWorldAccount,
  ) {
    this.keys = demoWorldKeys(settings.prefix);
    this.lockMs = settings.lockMs ?? 3000;
    this.waitMs = settings.waitMs ?? 20_000;
    let display = 'REDIS_URL';
    try {
      display = parseRedisUrl(settings.redisUrl).display;
    } catch {
      // Said by the first call (the bus refuses such a URL too).
    }
    this.where = `${display} (prefix ${settings.prefix})`;
  }

  transact<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        let conn: WorldConnection;
        try {
          conn = this.connection();
        } catch (error) {
          for (const p of batch) p.reject(this.unreachable(error));
          continue;
        }
        conn.stream?.ref?.();
        try {
          await this.runBatch(conn, batch);
        } finally {
          conn.stream?.unref?.();
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async runBatch(conn: WorldConnection, batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.underLock(conn, () =>
        batch.map((p): Outcome => {
          try {
            return { ok: true, value: p.work() };
          } catch (error) {
            return { ok: false, error };
          }
        }),
      );
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const [i, o] of outcomes.entries()) {
      if (o.ok) batch[i].resolve(o.value);
      else batch[i].reject(o.error);
    }
  }

  /** Runs `work` on the latest world under the lock and writes the world back if it changed. */
  private async underLock<T>(conn: WorldConnection, work: () => T): Promise<T> {
    const { lock, version, world } = this.keys;
    const deadline = Date.now() + this.waitMs;
    for (let tries = 0; ; tries++) {
      const token = randomUUID();
      const got = await this.redis(() =>
        conn.demoWorldAcquire(lock, version, world, token, this.lockMs, this.version),
      );
      if (!got) {
        if (Date.now() > deadline) {
          throw new CloudError(
            'DemoWorldBusy',
            `the DEMO world at ${this.where} stayed locked for ${this.waitMs / 1000} s`,
          );
        }
        // Held for a few milliseconds by another process: try again soon, not all at the same instant.
        await sleep(Math.min(2 + tries, 20) * (0.5 + Math.random()));
        continue;
      }
      let done = false;
      try {
        const [now, json] = got;
        if (now !== this.version) {
          // No world: never written (this process's own account, as seeded, is the first), or its keys deleted
          // to start again (the world as its seed makes it, for a process that held a later one too).
          if (json) this.importWorld(json);
          else if (this.held !== undefined) this.importWorld(this.account.seedState?.() ?? this.held);
          this.held = json || undefined;
          this.version = now;
        }
        const result = work();
        const after = this.account.exportState();
        if (after === this.held) {
          done = true;
          await this.redis(() => conn.demoWorldRelease(lock, token));
          return result;
        }
        const next = randomUUID();
        const written = await this.redis(() =>
          conn.demoWorldCommit(lock, version, world, token, this.version, after, next),
        );
        done = true;
        if (written > 0) {
          this.version = next;
          this.held = after;
          return result;
        }
        // Another process wrote meanwhile (our lock had run out): read its world and run the calls again.
        this.version = '';
      } finally {
        if (!done) {
          // What the calls changed here may not be in Redis: the next call reads the world again.
          this.version = '';
          await conn.demoWorldRelease(lock, token).catch(() => {});
        }
      }
    }
  }

  private importWorld(json: string): void {
    try {
      this.account.importState(json);
    } catch (error) {
      throw new CloudError(
        'DemoWorldUnreadable',
        `the DEMO world at ${this.where} is not readable (${(error as Error).message}); ` +
          `delete the keys ${this.keys.world} and ${this.keys.version} to start it again from its seed`,
        { cause: error },
      );
    }
  }

  private connection(): WorldConnection {
    if (this.conn && this.conn.status !== 'end' && this.conn.status !== 'close') return this.conn;
    const target = parseRedisUrl(this.settings.redisUrl);
    if (this.settings.redisCaFile) {
      const ca = readFileSync(this.settings.redisCaFile, 'utf8');
      target.options.tls = { ...target.options.tls, ca: [...rootCertificates, ca] };
    }
    const conn = new Redis({
      ...target.options,
      lazyConnect: true,
      connectTimeout: 5_000,
      maxRetriesPerRequest: 1,
      // No reconnect timer left behind: a lost connection is replaced by the next call.
      retryStrategy: () => null,
      connectionName: `infradeck-demo-${process.pid}`,
    });
    conn.on('error', () => {});
    conn.on('connect', () => {
      if (!this.flushing) conn.stream?.unref?.();
    });
    this.conn = withScripts<WorldConnection>(conn, {
      demoWorldAcquire: { numberOfKeys: 3, lua: acquireLua },
      demoWorldCommit: { numberOfKeys: 3, lua: commitLua },
      demoWorldRelease: { numberOfKeys: 1, lua: releaseLua },
    });
    return this.conn;
  }

  private async redis<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw this.unreachable(error);
    }
  }

  private unreachable(error: unknown): CloudError {
    return new CloudError(
      'DemoWorldUnavailable',
      `the DEMO world at ${this.where} cannot be reached: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
