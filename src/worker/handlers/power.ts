import { accountRefusal, type PowerResult, readOnlyRefusal } from '../../domain/cloudJobs';
import { projectTag } from '../../domain/resource';
import type { Handler } from '../../services/bus/contracts';
import { type CloudJobDeps, openJobCloud } from './cloudJobContext';
import { powerInstances, throwIfAnyFailed } from './instances';

/**
 * The `power` job: start or stop every live instance tagged `infradeck:project=<project>` as one job, a
 * progress step per instance as it gets there. Safe to run again: a running instance is not started twice.
 * A project with no instances is not an error (there is nothing to do), but the log says so.
 */
export function powerHandler(deps: CloudJobDeps): Handler<'power'> {
  return async (payload, ctx) => {
    const what = `power ${payload.on ? 'on' : 'off'} of project ${payload.project}`;
    const readOnly = readOnlyRefusal(what, payload.readOnly, deps.readOnly);
    if (readOnly) throw readOnly;
    const { cloud, identity } = await openJobCloud(deps, ctx);
    const wrongAccount = accountRefusal(what, payload.account, {
      account: identity.account,
      cloud: cloud.kind,
    });
    if (wrongAccount) throw wrongAccount;

    ctx.progress(0, 1, `looking for the instances of ${payload.project}`);
    const instances = await cloud.instancesOfProject(payload.project, {
      regions: payload.regions,
      signal: ctx.signal,
    });
    if (instances.length === 0) {
      await ctx.log(`no live instances tagged ${projectTag}=${payload.project}: nothing to do`, 'stderr');
      ctx.progress(1, 1, 'no instances');
      return { account: identity.account, project: payload.project, on: payload.on, instances: [] };
    }
    const regions = [...new Set(instances.map((r) => r.region))];
    await ctx.log(
      `${payload.on ? 'starting' : 'stopping'} ${instances.length} instance${instances.length === 1 ? '' : 's'} of ${payload.project} in ${regions.join(', ')}`,
      'info',
    );
    const outcomes = await powerInstances(
      { cloud, account: identity.account, ctx, deps, wait: payload.wait },
      instances,
      payload.on,
    );
    throwIfAnyFailed(what, outcomes);
    const result: PowerResult = {
      account: identity.account,
      project: payload.project,
      on: payload.on,
      instances: outcomes,
    };
    return result;
  };
}
