import { setMaxListeners } from 'node:events';
import { cloudEventTypes, type ResourceChangedEventData, scopeOf } from '../../domain/cloudJobs';
import { type ResourceChange, ResourceIndex } from '../../domain/resource';
import type { JobContext } from '../../services/bus/contracts';
import { errorMessage } from '../../services/cloud/cloudError';
import type { CloudProvider, Identity } from '../../services/cloud/cloudProvider';
import { readRegionScan, writeRegionScan } from '../../services/cloud/scanCache';
import { workspacePaths } from '../../services/storage/workspace';

/** What the cloud jobs need from the worker that runs them. */
export interface CloudJobDeps {
  /** The cloud to act on, asked for at the start of each job (a console's `:profile` switch takes effect). */
  cloud: () => Promise<CloudProvider>;
  /** The workspace folder: scans are cached under it, and job results update that cache. */
  dataDir?: string;
  /** The worker runs read-only (`infradeck worker --readonly`, `INFRADECK_READONLY=1`): changes are refused. */
  readOnly?: boolean;
  /** Instance state waits (defaults of the provider otherwise: 10 min, a poll every 5 s on AWS). */
  waitTimeoutMs?: number;
  pollMs?: number;
}

export interface JobCloud {
  cloud: CloudProvider;
  identity: Identity;
}

/**
 * Every concurrent cloud call of a job listens to its signal (a 16-region scan makes over a hundred at once):
 * past Node's default of 10 it prints a leak warning, which would tear through the full-screen console.
 */
export function allowConcurrentCalls(ctx: JobContext): void {
  setMaxListeners(1000, ctx.signal);
}

/** The cloud and who we are on it, said in the job's log so the operator sees which account is touched. */
export async function openJobCloud(deps: CloudJobDeps, ctx: JobContext): Promise<JobCloud> {
  allowConcurrentCalls(ctx);
  const cloud = await deps.cloud();
  const identity = await cloud.identity(ctx.signal);
  const who =
    cloud.kind === 'demo' ? `the DEMO cloud (account ${identity.account})` : `account ${identity.account}`;
  await ctx.log(`acting on ${who} as ${identity.arn}`, 'info');
  return { cloud, identity };
}

export function cacheDirOf(deps: CloudJobDeps): string | undefined {
  return deps.dataDir ? workspacePaths(deps.dataDir).cacheDir : undefined;
}

/** Tells every console at once: they apply the changes to their resource index. */
export async function publishChanges(
  ctx: JobContext,
  account: string,
  changes: ResourceChange[],
  message: string,
): Promise<void> {
  if (changes.length === 0) return;
  const data: ResourceChangedEventData = { account, changes };
  await ctx.emit({ level: 'info', type: cloudEventTypes.resourceChanged, message, data });
}

/**
 * Applies a job's changes to the cached scans of the given scopes, so `infradeck resources` and a console that
 * starts later see them before the next scan. Each file keeps its scan time (the rest of the scope is as old
 * as it was). A scope that is not cached, or unreadable, is left alone; failures only go to the log.
 */
export async function updateCachedScans(
  deps: CloudJobDeps,
  ctx: JobContext,
  account: string,
  scopes: Iterable<string>,
  changes: ResourceChange[],
): Promise<void> {
  const cacheDir = cacheDirOf(deps);
  if (!cacheDir || changes.length === 0) return;
  for (const scope of new Set(scopes)) {
    try {
      const read = await readRegionScan(cacheDir, account, scope);
      if (read.status !== 'ok') continue;
      const before = ResourceIndex.fromScans([read.scan]);
      const after = before.applyAll(changes);
      if (after === before) continue;
      const resources = after.all.filter((r) => scopeOf(r) === scope);
      await writeRegionScan(cacheDir, { ...read.scan, resources });
    } catch (err) {
      await ctx.log(`the cached scan of ${scope} could not be updated: ${errorMessage(err)}`, 'stderr');
    }
  }
}
