import { cloudEventTypes } from '../../domain/cloudJobs';
import { globalScope, type ResourceChange } from '../../domain/resource';
import type { JobContext } from '../../services/bus/contracts';
import type { ProjectJobDeps } from '../../services/projects/deployProject';
import { updateCachedScans } from './cloudJobContext';

/**
 * The cached scans a change may touch. A deletion names a region and an id, not a type: a bucket's region is not
 * where buckets are kept (the global scope), so a deletion is applied to both (a scope without the id is left as
 * it was).
 */
function scopesOfChange(c: ResourceChange): string[] {
  if (c.kind === 'upsert') return [c.resource.type === 'bucket' ? globalScope : c.resource.region];
  return c.kind === 'deleted' ? [c.region, globalScope] : [c.region];
}

/**
 * Runs a deploy or destroy with a context that notes the `resource.changed` events it sends; when the job ends
 * (failed or not) the same changes go into the cached scans of their regions, so a console started later (or
 * `infradeck resources`) sees what the job did instead of the scan from before it. What the consoles were told
 * is exactly what the cache gets.
 */
export async function keepingScansCurrent<T>(
  deps: ProjectJobDeps,
  ctx: JobContext,
  run: (ctx: JobContext) => Promise<T>,
): Promise<T> {
  const byAccount = new Map<string, ResourceChange[]>();
  const noting: JobContext = {
    ...ctx,
    emit: async (event) => {
      await ctx.emit(event);
      const data = event.data as { account?: unknown; changes?: unknown } | undefined;
      if (event.type !== cloudEventTypes.resourceChanged || typeof data?.account !== 'string') return;
      if (!Array.isArray(data.changes)) return;
      const list = byAccount.get(data.account) ?? [];
      list.push(...(data.changes as ResourceChange[]));
      byAccount.set(data.account, list);
    },
  };
  try {
    return await run(noting);
  } finally {
    const cacheDeps = { cloud: async () => deps.cloud, dataDir: deps.dataDir };
    for (const [account, changes] of byAccount) {
      await updateCachedScans(cacheDeps, ctx, account, changes.flatMap(scopesOfChange), changes);
    }
  }
}
