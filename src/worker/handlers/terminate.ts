import {
  accountRefusal,
  confirmationChoices,
  confirms,
  JobRefused,
  readOnlyRefusal,
  scopeOf,
  summarize,
  type TerminateResult,
} from '../../domain/cloudJobs';
import { planDeletion } from '../../domain/dependencyGraph';
import { describeResource, globalScope, type Resource, type ResourceChange } from '../../domain/resource';
import type { Handler } from '../../services/bus/contracts';
import { ExplainedError, errorMessage } from '../../services/cloud/cloudError';
import type { CloudProvider } from '../../services/cloud/cloudProvider';
import { deleteInOrder } from '../../services/cloud/deleteInOrder';
import { mapLimit } from '../../services/cloud/mapLimit';
import { type CloudJobDeps, openJobCloud, publishChanges, updateCachedScans } from './cloudJobContext';

/** Ids of the EC2 resources we scan: everything else selected is a bucket name. */
const ec2Id = /^(?:i|vpc|subnet|sg|igw|rtb|vol|key)-[0-9a-f]+$/;

export interface SelectedRef {
  /** As the user gave it. */
  ref: string;
  region?: string;
  id: string;
}

/** `eu-west-1/i-0abc` or `i-0abc`, duplicates dropped. */
export function parseRefs(refs: readonly string[]): SelectedRef[] {
  const out = new Map<string, SelectedRef>();
  for (const ref of refs) {
    const slash = ref.indexOf('/');
    const sel = slash < 0 ? { ref, id: ref } : { ref, region: ref.slice(0, slash), id: ref.slice(slash + 1) };
    out.set(sel.region ? `${sel.region}/${sel.id}` : sel.id, sel);
  }
  return [...out.values()];
}

function isBucketRef(s: SelectedRef): boolean {
  return s.region === globalScope || !ec2Id.test(s.id);
}

export interface Reread {
  found: Resource[];
  /** Selected refs the cloud does not know. */
  missing: SelectedRef[];
  /** Everything read along the way: the plan warns about resources not selected that use selected ones. */
  known: Resource[];
}

/**
 * The selected resources as the cloud has them now: their regions are scanned again (all regions for an id
 * without one), and the buckets listed. A region that cannot be read fails the whole re-read: nothing is
 * deleted on the word of an old scan.
 */
export async function rereadSelection(
  cloud: CloudProvider,
  selected: SelectedRef[],
  signal: AbortSignal,
): Promise<Reread> {
  const ec2 = selected.filter((s) => !isBucketRef(s));
  const buckets = selected.filter(isBucketRef);
  const regions = ec2.some((s) => !s.region)
    ? await cloud.listRegions(signal)
    : [...new Set(ec2.map((s) => s.region!))];
  const [perRegion, bucketList] = await Promise.all([
    mapLimit(regions, 8, async (region) => {
      try {
        return await cloud.scanRegion(region, signal);
      } catch (err) {
        throw new Error(
          `could not re-read ${region} before deleting: ${errorMessage(err)}; nothing was changed`,
          {
            cause: err,
          },
        );
      }
    }),
    buckets.length
      ? cloud.scanBuckets(signal).catch((err) => {
          throw new Error(
            `could not list the buckets before deleting: ${errorMessage(err)}; nothing was changed`,
            {
              cause: err,
            },
          );
        })
      : Promise.resolve([] as Resource[]),
  ]);
  const known = [...perRegion.flat(), ...bucketList];
  const byKey = new Map<string, Resource>();
  const byId = new Map<string, Resource>();
  for (const r of known) {
    byKey.set(`${r.type === 'bucket' ? 'bucket:' : ''}${r.region}/${r.id}`, r);
    if (!byId.has(r.id)) byId.set(r.id, r);
  }
  const found: Resource[] = [];
  const missing: SelectedRef[] = [];
  for (const s of selected) {
    let r: Resource | undefined;
    if (isBucketRef(s)) {
      const b = bucketList.find((x) => x.id === s.id);
      r = b && (!s.region || s.region === globalScope || s.region === b.region) ? b : undefined;
    } else {
      r = s.region ? byKey.get(`${s.region}/${s.id}`) : byId.get(s.id);
    }
    if (r && !found.includes(r)) found.push(r);
    else if (!r) missing.push(s);
  }
  return { found, missing, known };
}

function changeMessage(c: ResourceChange): string {
  switch (c.kind) {
    case 'deleted':
      return `${c.id} deleted`;
    case 'state':
      return `${c.id} ${c.state}`;
    case 'upsert':
      return `${c.resource.id} changed`;
  }
}

/**
 * The `terminate` job: delete the selected resources in dependency order.
 *
 * Refused before anything is read when the worker or the payload says read-only, and before anything is
 * changed when the typed confirmation matches neither the number of selected resources nor their project.
 * The selection is re-read from the cloud first: a resource that vanished since the scan is reported, not an
 * error. Then `planDeletion` and `deleteInOrder`: a progress step and a log line per resource, and a
 * `resource.changed` event for every change so consoles update their index at once. The job fails (after
 * doing all it could) when something could not be deleted; a retry re-reads and does what is left.
 */
export function terminateHandler(deps: CloudJobDeps): Handler<'terminate'> {
  return async (payload, ctx) => {
    const selected = parseRefs(payload.ids);
    const what = `delete of ${selected.length} resource${selected.length === 1 ? '' : 's'}`;
    const readOnly = readOnlyRefusal(what, payload.readOnly, deps.readOnly);
    if (readOnly) throw readOnly;

    const { cloud, identity } = await openJobCloud(deps, ctx);
    const wrongAccount = accountRefusal(what, payload.account, {
      account: identity.account,
      cloud: cloud.kind,
    });
    if (wrongAccount) throw wrongAccount;

    ctx.progress(0, 1, `re-reading ${selected.length} selected resources`);
    const { found, missing, known } = await rereadSelection(cloud, selected, ctx.signal);

    const choices = confirmationChoices(
      selected.length,
      found.map((r) => r.project),
    );
    if (!confirms(payload.confirm, choices)) {
      throw new JobRefused(
        `${what}: the confirmation ${JSON.stringify(payload.confirm)} does not match: type ${choices
          .map((c) => JSON.stringify(c))
          .join(' or ')}; nothing was changed`,
      );
    }

    const changes: ResourceChange[] = [];
    const pending: Promise<void>[] = [];
    const change = (c: ResourceChange, message: string) => {
      changes.push(c);
      pending.push(publishChanges(ctx, identity.account, [c], message));
    };
    for (const m of missing) {
      await ctx.log(
        `${m.ref}: not found in the cloud any more (vanished since the scan); nothing to delete`,
        'stderr',
      );
      if (m.region && m.region !== globalScope)
        change({ kind: 'deleted', region: m.region, id: m.id }, `${m.ref} is gone`);
    }
    const alreadyGone = found.filter((r) => r.type === 'instance' && r.state === 'terminated');
    for (const r of alreadyGone)
      await ctx.log(`${describeResource(r, 'typed')} is already terminated`, 'info');
    const targets = found.filter((r) => !alreadyGone.includes(r));

    const plan = planDeletion(targets, known);
    const nodes = plan.levels.flat();
    await ctx.log(
      `plan: ${nodes.length} to delete in ${plan.levels.length} level${plan.levels.length === 1 ? '' : 's'}` +
        `${plan.skipped.length ? `, ${plan.skipped.length} removed with their VPC` : ''}` +
        `${payload.emptyBuckets ? ', buckets emptied first (confirmed)' : ''}`,
      'info',
    );
    for (const [i, level] of plan.levels.entries()) {
      await ctx.log(`  ${i + 1}. ${level.map((r) => describeResource(r, 'typed')).join(', ')}`, 'info');
    }
    for (const w of plan.warnings) await ctx.log(`warning: ${w.message}`, 'stderr');
    for (const cycle of plan.cycles) {
      await ctx.log(
        `cannot order ${cycle.map((r) => describeResource(r, 'typed')).join(' <-> ')}: they depend on each other`,
        'stderr',
      );
    }

    const logs: Promise<void>[] = [];
    const report = await deleteInOrder(cloud, plan, {
      emptyBuckets: payload.emptyBuckets,
      signal: ctx.signal,
      waitTimeoutMs: deps.waitTimeoutMs,
      pollMs: deps.pollMs,
      onProgress: (p) => ctx.progress(p.step, p.total, p.message),
      log: (line) => logs.push(ctx.log(line)),
      onChange: (c) => change(c, changeMessage(c)),
    });
    await Promise.all([...logs, ...pending]);
    const scopes = [
      ...found.map(scopeOf),
      ...missing.flatMap((m) => (m.region && m.region !== globalScope ? [m.region] : [])),
    ];
    await updateCachedScans(deps, ctx, identity.account, scopes, changes);

    const problems = [
      ...report.failed.map((f) => `${describeResource(f.resource, 'typed')}: ${f.error}`),
      ...report.notAttempted.map((n) => `${describeResource(n.resource, 'typed')}: ${n.reason}`),
      ...plan.cycles.flat().map((r) => `${describeResource(r, 'typed')}: part of a dependency cycle`),
      ...plan.blocked.map((r) => `${describeResource(r, 'typed')}: waits for a dependency cycle`),
    ];
    if (problems.length > 0) {
      const done = report.deleted.length + report.gone.length + alreadyGone.length;
      throw new ExplainedError(
        `deleted ${done} of ${found.length}; ${problems.length} could not be deleted: ${problems.slice(0, 3).join('; ')}` +
          (problems.length > 3 ? ` (and ${problems.length - 3} more, see the log)` : ''),
        { permanent: report.failed.every((f) => f.lasting) },
      );
    }
    const result: TerminateResult = {
      account: identity.account,
      requested: selected.length,
      deleted: report.deleted.map(summarize),
      gone: [...alreadyGone, ...report.gone].map(summarize),
      missing: missing.map((m) => m.ref),
      skipped: report.skipped.map((s) => ({ resource: summarize(s.resource), reason: s.reason })),
      warnings: plan.warnings.map((w) => w.message),
    };
    await ctx.log(
      `deleted ${result.deleted.length}` +
        (result.gone.length ? `, ${result.gone.length} already gone` : '') +
        (result.missing.length ? `, ${result.missing.length} vanished before the job` : '') +
        (result.skipped.length ? `, ${result.skipped.length} removed with their VPC` : ''),
      'info',
    );
    return result;
  };
}
