import type { BusStateObservable } from '../services/bus/contracts';

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
