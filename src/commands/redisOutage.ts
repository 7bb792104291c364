import { isFinished, type JobView } from '../domain/job';
import { exitCodes } from '../services/bus/busFromEnv';
import type { BusStateObservable, JobQueue } from '../services/bus/contracts';

/** Without Redis this long, a command stops waiting (the job may still run; its status command tells later). */
export const offlineGiveUpMs = 60_000;

export interface RedisOutageWatch {
  /** Redis is away now (the waiter's reads fail: not a sign that its job is gone). */
  readonly offline: boolean;
  /** The message to print once the wait is given up (for a loop that polls); undefined until then. */
  readonly lost: string | undefined;
  /** Resolves with that message when the wait is given up (never resolves otherwise). */
  readonly gaveUp: Promise<string>;
  stop(): void;
}

/**
 * While a command waits for a job or a run over Redis: says once on stderr when Redis goes away
 * (`infradeck run: Redis is unreachable (…); still waiting for job 42 (gives up after 60 s)`) and when it is back,
 * and gives up after `giveUpMs` without it (`gaveUp` resolves with the reason, naming `later` to see how it ended).
 * A silent minute looked like a hung command. Without Redis (the memory transport) nothing is watched.
 */
export function watchRedisOutage(
  bus: { transport: 'redis' | 'memory'; target: string; state: BusStateObservable },
  io: { stderr: NodeJS.WritableStream },
  opts: { command: string; waitingFor: string; later: string; giveUpMs?: number },
): RedisOutageWatch {
  const giveUpMs = opts.giveUpMs ?? offlineGiveUpMs;
  let lost: string | undefined;
  let giveUp: (message: string) => void = () => {};
  const gaveUp = new Promise<string>((resolve) => {
    giveUp = (message) => {
      lost = message;
      resolve(message);
    };
  });
  let offline = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const seconds = `${Math.round(giveUpMs / 1000)} s`;
  const onState = (state: string, detail: string | undefined) => {
    if (stopped) return;
    if (state === 'connected') {
      if (!offline) return;
      offline = false;
      clearTimeout(timer);
      timer = undefined;
      io.stderr.write(`infradeck ${opts.command}: Redis is back\n`);
      return;
    }
    if (offline) return;
    offline = true;
    io.stderr.write(
      `infradeck ${opts.command}: Redis is unreachable (${detail ?? bus.target}); still waiting for ` +
        `${opts.waitingFor} (gives up after ${seconds})\n`,
    );
    timer = setTimeout(() => {
      const now = bus.state.get();
      giveUp(
        `stopped waiting for ${opts.waitingFor}: Redis has been unreachable for ${seconds} ` +
          `(${now.detail ?? bus.target}); it may still run: see \`${opts.later}\` later`,
      );
    }, giveUpMs);
  };
  const unsubscribe =
    bus.transport === 'redis' ? bus.state.subscribe((s) => onState(s.state, s.detail)) : () => {};
  if (bus.transport === 'redis') {
    const now = bus.state.get();
    onState(now.state, now.detail);
  }
  return {
    get offline() {
      return offline;
    },
    get lost() {
      return lost;
    },
    gaveUp,
    stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
    },
  };
}

/** What a waiting command says when Redis no longer has its job or run (restarted empty, its keys deleted). */
export function goneFromRedis(what: string, many = false): string {
  const [is, it, its] = many ? ['are', 'them', 'their'] : ['is', 'it', 'its'];
  return (
    `${what} ${is} gone: Redis no longer has ${it} (restarted without persistence?). ${many ? 'Their workers' : 'Its worker'} ` +
    `may have run ${it}, but ${its} outcome is lost`
  );
}

/**
 * One read of a waited-for job per poll: the job; `gone` once Redis, there, missed it twice in a row (a job is
 * never missing for any other reason), or once when `sure()` (its event stream was lost too); undefined while that
 * is not sure (Redis away, a failed read, one miss). A poll that took a missing job for "not ended yet" waited
 * forever after Redis restarted empty.
 */
export function jobReader(
  bus: { queue: Pick<JobQueue, 'get'>; state: BusStateObservable },
  outage: Pick<RedisOutageWatch, 'offline'>,
  id: string,
  sure: () => boolean = () => false,
): () => Promise<JobView | 'gone' | undefined> {
  let misses = 0;
  return async () => {
    // Its reads fail while Redis is away: that says nothing of the job (the outage watch gives up in time).
    if (outage.offline || bus.state.get().state !== 'connected') return undefined;
    let job: JobView | undefined;
    try {
      job = await bus.queue.get(id);
    } catch {
      return undefined;
    }
    if (job) {
      misses = 0;
      return job;
    }
    return sure() || ++misses >= 2 ? 'gone' : undefined;
  };
}

/**
 * Waits for `ended` (the job's end, seen in its events) and polls the job every `pollMs` as a backstop: the poll
 * ends the wait when the job ended (its last event lost with a dying worker) or is gone from Redis. Undefined
 * once it ended; else why the wait stopped and its exit code: 1 gone, 3 Redis away for too long (`outage`).
 */
export async function waitForJobEnd(
  bus: { queue: Pick<JobQueue, 'get'>; state: BusStateObservable },
  outage: RedisOutageWatch,
  job: { id: string; said: string },
  ended: Promise<void>,
  pollMs: number,
): Promise<{ lost: string; code: number } | undefined> {
  const read = jobReader(bus, outage, job.id);
  let stop: (why: { lost: string; code: number } | undefined) => void = () => {};
  const polled = new Promise<{ lost: string; code: number } | undefined>((resolve) => {
    stop = resolve;
  });
  const poll = setInterval(async () => {
    const view = await read();
    if (view === 'gone') stop({ lost: goneFromRedis(job.said), code: exitCodes.failed });
    else if (view && isFinished(view.status)) stop(undefined);
  }, pollMs);
  try {
    return await Promise.race([
      ended.then(() => undefined),
      polled,
      outage.gaveUp.then((lost) => ({ lost, code: exitCodes.unavailable })),
    ]);
  } finally {
    clearInterval(poll);
  }
}
