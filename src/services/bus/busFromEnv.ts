import type { Bus, SomeHandlers } from './contracts';
import { openBus } from './openBus';
import { currentRequester } from './requester';

/** What the headless bus commands get (a structural subset of the CLI's CommandIO). */
export interface BusCommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** `REDIS_URL`, `INFRADECK_REDIS_PREFIX`, `USER`, `SSH_CLIENT`. */
  env: NodeJS.ProcessEnv;
  /** The global `--json` flag (the commands also accept `--json` themselves). */
  json?: boolean;
  /** Without Redis the audit trail is `<dataDir>/audit/audit.jsonl`. */
  workspace?: { dataDir: string };
  /** Ends `--follow`, `--wait` and `worker` (the CLI uses SIGINT/SIGTERM; tests use this). */
  signal?: AbortSignal;
}

/** Exit codes shared by the bus commands. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, unavailable: 3, cancelled: 4 } as const;

/** `REDIS_URL`, `INFRADECK_REDIS_PREFIX` (default `infradeck`), `INFRADECK_REDIS_CA` (PEM file, for rediss://). */
export function busSettings(env: NodeJS.ProcessEnv): {
  redisUrl?: string;
  prefix: string;
  redisCaFile?: string;
} {
  const ca = env.INFRADECK_REDIS_CA?.trim();
  return {
    redisUrl: env.REDIS_URL?.trim() || undefined,
    prefix: env.INFRADECK_REDIS_PREFIX?.trim() || 'infradeck',
    ...(ca ? { redisCaFile: ca } : {}),
  };
}

/**
 * Open the bus for a command and wait for Redis (up to `INFRADECK_CONNECT_TIMEOUT_MS`, default 5 s).
 * On failure returns the message to print (`Redis at redis://…: refused the connection (is Redis running?)`).
 */
export async function openCommandBus(
  io: BusCommandIO,
  opts: { handlers?: SomeHandlers; concurrency?: number } = {},
): Promise<{ bus: Bus } | { error: string }> {
  const settings = busSettings(io.env);
  let bus: Bus;
  try {
    bus = await openBus({
      ...settings,
      handlers: opts.handlers,
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      dataDir: io.workspace?.dataDir,
      requester: currentRequester(io.env),
      env: io.env,
    });
  } catch (error) {
    return { error: (error as Error).message };
  }
  const timeoutMs = Number(io.env.INFRADECK_CONNECT_TIMEOUT_MS) || 5_000;
  if (!(await bus.state.whenConnected(timeoutMs))) {
    const status = bus.state.get();
    await bus.close();
    return { error: `Redis is unreachable: ${status.detail ?? bus.target} (after ${timeoutMs / 1000} s)` };
  }
  return { bus };
}

export function wantsJson(io: BusCommandIO, flag: boolean | undefined): boolean {
  return io.json === true || flag === true;
}
