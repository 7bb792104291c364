import {
  accountRefusal,
  type InstanceOutcome,
  type InstancesResult,
  readOnlyRefusal,
} from '../../domain/cloudJobs';
import { describeResource, type Resource, type ResourceChange } from '../../domain/resource';
import type { Handler, JobContext } from '../../services/bus/contracts';
import { errorCode, errorMessage, isAbort } from '../../services/cloud/cloudError';
import type { CloudProvider, InstanceStateChange } from '../../services/cloud/cloudProvider';
import { mapLimit } from '../../services/cloud/mapLimit';
import { type CloudJobDeps, openJobCloud, publishChanges, updateCachedScans } from './cloudJobContext';

export interface PowerRun {
  cloud: CloudProvider;
  account: string;
  ctx: JobContext;
  deps: CloudJobDeps;
  /** Wait until each instance reaches `running` / `stopped`. */
  wait: boolean;
}

function describeError(err: unknown): string {
  const code = errorCode(err);
  const message = errorMessage(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Starts or stops instances, one API call per region (one call per instance when the region's call fails, so
 * one instance in a wrong state does not hold back the others), then waits for each to get there. A progress
 * step per instance as it arrives, a log line each, and a `resource.changed` event for every state seen so the
 * consoles follow along. Never throws for one instance: its outcome carries the error.
 */
export async function powerInstances(
  run: PowerRun,
  instances: Resource[],
  on: boolean,
): Promise<InstanceOutcome[]> {
  const { cloud, ctx, account } = run;
  const target = on ? 'running' : 'stopped';
  const verb = on ? 'start' : 'stop';
  const total = instances.length;
  let step = 0;
  const outcomes = new Map<string, InstanceOutcome>();
  const changes: ResourceChange[] = [];
  const seen = async (r: Resource, state: string) => {
    const change: ResourceChange = { kind: 'state', region: r.region, id: r.id, state };
    changes.push(change);
    await publishChanges(ctx, account, [change], `${r.id} ${state}`);
  };
  const finish = async (r: Resource, outcome: Omit<InstanceOutcome, 'id' | 'region' | 'name'>) => {
    const full: InstanceOutcome = {
      id: r.id,
      region: r.region,
      ...(r.name ? { name: r.name } : {}),
      ...outcome,
    };
    outcomes.set(r.id, { ...outcomes.get(r.id), ...full });
    step++;
    const line = outcome.error
      ? `${describeResource(r)} in ${r.region}: could not ${verb}: ${outcome.error}`
      : `${describeResource(r)} in ${r.region}: ${outcome.current}`;
    ctx.progress(step, total, line);
    await ctx.log(line, outcome.error ? 'stderr' : 'stdout');
  };

  ctx.progress(0, total, `${on ? 'starting' : 'stopping'} ${total} instance${total === 1 ? '' : 's'}`);
  const byRegion = new Map<string, Resource[]>();
  for (const r of instances) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);

  await mapLimit([...byRegion], 8, async ([region, list]) => {
    const call = (ids: string[]) =>
      on ? cloud.startInstances(region, ids, ctx.signal) : cloud.stopInstances(region, ids, ctx.signal);
    const reported = new Map<string, InstanceStateChange>();
    const failed = new Map<string, string>();
    try {
      for (const c of await call(list.map((r) => r.id))) reported.set(c.id, c);
    } catch (err) {
      if (isAbort(err)) throw err;
      await ctx.log(
        `${region}: ${verb} of ${list.length} at once failed (${describeError(err)}); one by one`,
        'stderr',
      );
      for (const r of list) {
        try {
          for (const c of await call([r.id])) reported.set(c.id, c);
        } catch (one) {
          if (isAbort(one)) throw one;
          failed.set(r.id, describeError(one));
        }
      }
    }

    await mapLimit(list, 16, async (r) => {
      const error = failed.get(r.id);
      if (error) return finish(r, { previous: r.state, error });
      const change = reported.get(r.id);
      if (!change)
        return finish(r, { previous: r.state, error: 'not found any more (vanished since it was listed)' });
      await seen(r, change.current);
      outcomes.set(r.id, { id: r.id, region, previous: change.previous ?? r.state, current: change.current });
      if (!run.wait || change.current === target) {
        return finish(r, { previous: change.previous ?? r.state, current: change.current });
      }
      try {
        await cloud.waitInstanceState(region, r.id, target, {
          signal: ctx.signal,
          timeoutMs: run.deps.waitTimeoutMs,
          pollMs: run.deps.pollMs,
        });
        await seen(r, target);
        return finish(r, { previous: change.previous ?? r.state, current: target });
      } catch (err) {
        if (isAbort(err)) throw err;
        return finish(r, {
          previous: change.previous ?? r.state,
          current: change.current,
          error: `did not reach ${target}: ${describeError(err)}`,
        });
      }
    });
  });
  await updateCachedScans(run.deps, ctx, account, byRegion.keys(), changes);
  return instances.map((r) => outcomes.get(r.id)!);
}

/** Fails the job after everything was tried, naming what went wrong. */
export function throwIfAnyFailed(what: string, outcomes: InstanceOutcome[]): void {
  const failed = outcomes.filter((o) => o.error);
  if (failed.length === 0) return;
  const first = failed
    .slice(0, 3)
    .map((o) => `${o.id}: ${o.error}`)
    .join('; ');
  throw new Error(
    `${what}: ${failed.length} of ${outcomes.length} failed: ${first}${failed.length > 3 ? ` (and ${failed.length - 3} more)` : ''}`,
  );
}

/**
 * The `instances` job: the Servers screen's start, stop and reboot of instances in one region. The instances
 * are described first: ids that no longer exist are reported (`missing`), not an error, and are left out of
 * the call (AWS would refuse the whole call for one unknown id). Refused in read-only mode.
 */
export function instancesHandler(deps: CloudJobDeps): Handler<'instances'> {
  return async (payload, ctx) => {
    const ids = [...new Set(payload.ids)];
    const what = `${payload.action} of ${ids.length} instance${ids.length === 1 ? '' : 's'} in ${payload.region}`;
    const readOnly = readOnlyRefusal(what, payload.readOnly, deps.readOnly);
    if (readOnly) throw readOnly;
    const { cloud, identity } = await openJobCloud(deps, ctx);
    const wrongAccount = accountRefusal(what, payload.account, {
      account: identity.account,
      cloud: cloud.kind,
    });
    if (wrongAccount) throw wrongAccount;

    const described = await cloud.describeInstances(payload.region, ids, ctx.signal);
    const live = described.filter((r) => r.state !== 'terminated' && r.state !== 'shutting-down');
    const missing = ids.filter((id) => !live.some((r) => r.id === id));
    for (const id of missing) {
      const r = described.find((d) => d.id === id);
      await ctx.log(
        `${id}: ${r ? `${r.state}, nothing to ${payload.action}` : 'not found any more'}`,
        'stderr',
      );
    }
    const gone: ResourceChange[] = missing.map((id) => {
      const r = described.find((d) => d.id === id);
      return r?.state
        ? { kind: 'state', region: payload.region, id, state: r.state }
        : { kind: 'deleted', region: payload.region, id };
    });
    await publishChanges(
      ctx,
      identity.account,
      gone,
      `${missing.length} instance${missing.length === 1 ? '' : 's'} gone`,
    );

    let outcomes: InstanceOutcome[];
    if (payload.action === 'reboot') {
      outcomes = await reboot(cloud, payload.region, live, ctx);
    } else {
      outcomes = await powerInstances(
        { cloud, account: identity.account, ctx, deps, wait: payload.wait },
        live,
        payload.action === 'start',
      );
    }
    throwIfAnyFailed(what, outcomes);
    const result: InstancesResult = {
      account: identity.account,
      action: payload.action,
      region: payload.region,
      instances: outcomes,
      missing,
    };
    return result;
  };
}

async function reboot(
  cloud: CloudProvider,
  region: string,
  live: Resource[],
  ctx: JobContext,
): Promise<InstanceOutcome[]> {
  const total = live.length;
  ctx.progress(0, total, `rebooting ${total} instance${total === 1 ? '' : 's'}`);
  const outcomes: InstanceOutcome[] = [];
  // One call per instance: a stopped one (IncorrectInstanceState) must not hold back the others.
  for (const r of live) {
    const base = { id: r.id, region, ...(r.name ? { name: r.name } : {}), previous: r.state };
    try {
      await cloud.rebootInstances(region, [r.id], ctx.signal);
      outcomes.push({ ...base, current: r.state });
      await ctx.log(`${describeResource(r)}: reboot requested`);
    } catch (err) {
      if (isAbort(err)) throw err;
      outcomes.push({ ...base, current: r.state, error: describeError(err) });
      await ctx.log(`${describeResource(r)}: could not reboot: ${describeError(err)}`, 'stderr');
    }
    ctx.progress(outcomes.length, total, `${r.id} ${outcomes.at(-1)?.error ? 'failed' : 'rebooting'}`);
  }
  return outcomes;
}
