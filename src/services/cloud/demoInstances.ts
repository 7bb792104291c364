import { projectTag, type Resource } from '../../domain/resource';
import { CloudError, isRegionUnavailable } from './cloudError';
import type { InstanceStateChange, InstanceTargetState, WaitOptions } from './cloudProvider';
import { copyResource, type DemoEndpoint } from './demoEndpoint';
import { mapLimit } from './mapLimit';
import { sleep } from './retry';

/** Servers of the DEMO account: describe, start, stop, reboot and wait, with EC2's state rules. */

export async function describeDemoInstances(
  demo: DemoEndpoint,
  region: string,
  ids: string[],
  signal?: AbortSignal,
): Promise<Resource[]> {
  return demo.call(region, 'ec2:DescribeInstances', signal, () =>
    ids.flatMap((id) => {
      const r = demo.regionMap(region).get(id);
      return r?.type === 'instance' ? [copyResource(r)] : [];
    }),
  );
}

export async function startDemoInstances(
  demo: DemoEndpoint,
  region: string,
  ids: string[],
  signal?: AbortSignal,
): Promise<InstanceStateChange[]> {
  return demo.call(region, 'ec2:StartInstances', signal, () =>
    changeInstances(demo, region, ids, (r) => {
      if (r.state === 'stopped') return { now: 'pending', next: 'running' };
      if (r.state === 'stopping') throw incorrectState(r, 'started');
      return undefined;
    }),
  );
}

export async function stopDemoInstances(
  demo: DemoEndpoint,
  region: string,
  ids: string[],
  signal?: AbortSignal,
): Promise<InstanceStateChange[]> {
  return demo.call(region, 'ec2:StopInstances', signal, () =>
    changeInstances(demo, region, ids, (r) => {
      if (r.state === 'running' || r.state === 'pending') return { now: 'stopping', next: 'stopped' };
      return undefined;
    }),
  );
}

export async function rebootDemoInstances(
  demo: DemoEndpoint,
  region: string,
  ids: string[],
  signal?: AbortSignal,
): Promise<void> {
  await demo.call(region, 'ec2:RebootInstances', signal, () => {
    for (const id of ids) {
      const r = demo.liveInstance(region, id);
      if (r && r.state !== 'running') throw incorrectState(r, 'rebooted');
    }
  });
}

/** The project's live servers in these regions; a region that is not enabled has none. */
export async function demoInstancesOfProject(
  demo: DemoEndpoint,
  project: string,
  regions: string[],
  signal?: AbortSignal,
): Promise<Resource[]> {
  const found = await mapLimit(regions, 16, async (region) => {
    try {
      return await demo.call(region, 'ec2:DescribeInstances', signal, () =>
        demo
          .list(region, 'instance')
          .filter(
            (r) => r.tags[projectTag] === project && r.state !== 'terminated' && r.state !== 'shutting-down',
          ),
      );
    } catch (err) {
      if (isRegionUnavailable(err)) return [];
      throw err;
    }
  });
  return found.flat();
}

export async function waitDemoInstanceState(
  demo: DemoEndpoint,
  region: string,
  id: string,
  state: InstanceTargetState,
  options: WaitOptions = {},
): Promise<void> {
  const deadline = demo.now() + (options.timeoutMs ?? 600_000);
  const poll = options.pollMs ?? Math.max(5, demo.transitionMs / 4);
  for (;;) {
    const [r] = await describeDemoInstances(demo, region, [id], options.signal);
    if (!r) {
      if (state === 'terminated') return;
      throw new CloudError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`, {
        region,
      });
    }
    if (r.state === state) return;
    if (demo.now() >= deadline) {
      throw new CloudError('WaiterTimeout', `${id} is ${r.state}, not ${state}, after waiting`, { region });
    }
    await sleep(poll, options.signal);
  }
}

function changeInstances(
  demo: DemoEndpoint,
  region: string,
  ids: string[],
  decide: (r: Resource) => { now: string; next: string } | undefined,
): InstanceStateChange[] {
  const changes: InstanceStateChange[] = [];
  for (const id of ids) {
    const r = demo.liveInstance(region, id);
    if (!r) continue;
    if (r.state === 'shutting-down') throw incorrectState(r, 'changed');
    const previous = r.state;
    const step = decide(r);
    if (step) {
      r.state = step.now;
      demo.transitions.set(id, { region, to: step.next, at: demo.now() + demo.transitionMs });
    }
    changes.push({ id, previous, current: r.state ?? 'unknown' });
  }
  return changes;
}

function incorrectState(r: Resource, verb: string): CloudError {
  return new CloudError(
    'IncorrectInstanceState',
    `The instance '${r.id}' is not in a state from which it can be ${verb} (${r.state}).`,
    { region: r.region },
  );
}
