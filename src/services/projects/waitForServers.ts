import type { Resource } from '../../domain/resource';
import { CloudError } from '../cloud/cloudError';
import type { CloudProvider } from '../cloud/cloudProvider';
import { sleep } from '../cloud/retry';

export interface ServerWaitOptions {
  signal: AbortSignal;
  /** Give up after this long (default 10 minutes, EC2's own waiter's). */
  timeoutMs?: number;
  /** The first pause between two reads; each next one doubles, up to `maxPollMs` (defaults 250 ms and 5 s). */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Every read: the servers as the cloud has them now. */
  onRead?: (servers: Resource[]) => void;
  now?: () => number;
}

/**
 * Reads freshly launched servers until none is `pending` any more (one DescribeInstances per read, quickly at
 * first, then less often) and returns them as the cloud has them: running with their addresses, or in whatever
 * state they ended in (a launch that failed on AWS's side goes to `terminated`: the caller says so). Throws
 * `WaiterTimeout` when servers are still pending, or not listed yet, at the deadline.
 */
export async function waitForServers(
  cloud: CloudProvider,
  region: string,
  ids: readonly string[],
  options: ServerWaitOptions,
): Promise<Resource[]> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? 600_000);
  let pause = options.firstPollMs ?? 250;
  for (;;) {
    const servers = await cloud.describeInstances(region, [...ids], options.signal);
    options.onRead?.(servers);
    // EC2 is eventually consistent: a server just launched may not be listed yet (terminated ones are, for an
    // hour), so one missing is waited for like one pending.
    const listed = new Set(servers.map((r) => r.id));
    const waiting = [
      ...servers.filter((r) => r.state === 'pending').map((r) => r.id),
      ...ids.filter((id) => !listed.has(id)),
    ];
    if (waiting.length === 0) return servers;
    if (now() >= deadline) {
      throw new CloudError(
        'WaiterTimeout',
        `${waiting.join(', ')} still not running after ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s`,
        { region },
      );
    }
    await sleep(Math.min(pause, Math.max(0, deadline - now())), options.signal);
    pause = Math.min(pause * 2, options.maxPollMs ?? 5_000);
  }
}
