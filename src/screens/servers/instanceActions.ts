import type { Resource, ResourceIndex } from '../../domain/resource';
import type { ServerView } from '../../state/services/servers';

export type InstanceAction = 'start' | 'stop' | 'reboot';

/** The state an instance must be in for the action, as the AWS console offers it. */
const applies: Record<InstanceAction, { state: string; done: string }> = {
  start: { state: 'stopped', done: 'started' },
  stop: { state: 'running', done: 'stopped' },
  reboot: { state: 'running', done: 'rebooted' },
};

/**
 * What a power action on the chosen rows does: the instances it applies to, and each group of rows it leaves
 * out with why (`2 selected rows are not instances (localhost, bastion-example)`, `ci-runner-1 is running`).
 */
export interface InstanceActionPlan {
  instances: Resource[];
  leftOut: string[];
  /** The rule, for a message when nothing is left: `only a stopped instance can be started`. */
  rule: string;
}

/** Up to three names, then how many more. */
function namesOf(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/** `ci-runner-1 is running`, or `3 instances are running (ci-runner-1, ci-runner-2, ci-runner-4)`. */
function group(names: readonly string[], one: string, many: (n: number) => string): string {
  return names.length === 1 ? `${names[0]} ${one}` : `${many(names.length)} (${namesOf(names)})`;
}

export function planInstanceAction(
  action: InstanceAction,
  rows: readonly ServerView[],
  index: ResourceIndex,
): InstanceActionPlan {
  const { state: wanted, done } = applies[action];
  const instances: Resource[] = [];
  const hosts: string[] = [];
  const gone: string[] = [];
  const byState = new Map<string, string[]>();
  for (const row of rows) {
    const instance = row.instanceId && row.region ? index.get(row.region, row.instanceId) : undefined;
    if (!row.instanceId) hosts.push(row.name);
    else if (!instance) gone.push(row.name);
    else if (instance.state === wanted) instances.push(instance);
    else {
      const state = instance.state ?? 'in an unknown state';
      byState.set(state, [...(byState.get(state) ?? []), row.name]);
    }
  }
  const leftOut: string[] = [];
  if (hosts.length)
    leftOut.push(group(hosts, 'is not an instance', (n) => `${n} selected rows are not instances`));
  for (const [state, names] of byState)
    leftOut.push(group(names, `is ${state}`, (n) => `${n} instances are ${state}`));
  if (gone.length)
    leftOut.push(
      group(
        gone,
        'is no longer in the resource index',
        (n) => `${n} instances are no longer in the resource index`,
      ),
    );
  return { instances, leftOut, rule: `only a ${wanted} instance can be ${done}` };
}
