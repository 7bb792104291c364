import { describeJob } from '../domain/job';
import { stripControl } from '../domain/text';
import { isBusError } from '../services/bus/busError';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { currentRequester, describeRequester } from '../services/bus/requester';
import { readOnlyFromEnv } from '../worker/jobHandlers';
import { commandError } from './commandError';
import { unknownId } from './unknownId';

/** The exits of `approve` and `reject`: a refusal is bad input (2), as the issue asks of every access refusal. */
export const decisionExits = {
  0: 'done',
  1: 'the request failed',
  2: 'refused (the requester, not an admin, expired, not pending, read-only), no job JOB, or bad arguments',
  3: 'Redis unreachable',
} as const;

/**
 * `approve` / `reject`: decide on one pending job as the person running the command (`USER`, the host,
 * `SSH_CLIENT`), print what happened, and exit 2 on a refusal with the reason.
 */
export async function decideOnJob(
  name: 'approve' | 'reject',
  id: string,
  io: BusCommandIO & { readOnly?: boolean },
  decide: (bus: Bus, by: ReturnType<typeof currentRequester>) => Promise<void>,
): Promise<number> {
  const fail = (message: string, code: number) => commandError(io, name, message, code);
  if (io.readOnly === true || readOnlyFromEnv(io.env))
    return fail(
      `refused: read-only mode (--readonly or INFRADECK_READONLY); job ${id} was not ${name}d`,
      exitCodes.usage,
    );
  const opened = await openCommandBus(io);
  if ('error' in opened) return fail(opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    if (bus.transport === 'memory') {
      return fail(
        'REDIS_URL is not set: a job held for an approval lives in the console that asked for it; decide there ' +
          '(Jobs tab, a approve, x reject), or share jobs through Redis (REDIS_URL=redis://host:6379)',
        exitCodes.usage,
      );
    }
    const by = currentRequester(io.env);
    await decide(bus, by);
    const job = await bus.queue.get(id);
    if (wantsJson(io, undefined)) {
      io.stdout.write(`${JSON.stringify({ id, status: job?.status, approval: job?.approval }, null, 2)}\n`);
    } else {
      const what = job
        ? ` (${stripControl(describeJob(job.kind, job.payload))}, asked by ${describeRequester(job.requestedBy)})`
        : '';
      io.stdout.write(
        name === 'approve' ? `approved job ${id}${what}: it is queued\n` : `rejected job ${id}${what}\n`,
      );
    }
    return exitCodes.ok;
  } catch (error) {
    const message = (error as Error).message;
    // The queue refused it (and audited the refusal); an id that names no job is said as every command says it.
    if (isBusError(error, 'refused') && (await bus.queue.get(id).catch(() => null)) === undefined)
      return unknownId(io, name, 'job', id, 'infradeck approvals');
    if (isBusError(error, 'refused') || isBusError(error, 'invalid')) return fail(message, exitCodes.usage);
    return fail(message, isBusError(error, 'unavailable') ? exitCodes.unavailable : exitCodes.failed);
  } finally {
    await bus.close();
  }
}
