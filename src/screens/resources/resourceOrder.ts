import { globalScope, type Resource, type ResourceIndex, resourceTypes } from '../../domain/resource';

/**
 * The Resources table's order: scope by scope (a region, or `global` for the buckets) in the order their first
 * scan came in, within a scope by type as `resourceTypes` lists them, then as the scan listed them. The index
 * puts a rescanned region's resources last; this order keeps every row where it was, so a scheduled rescan
 * does not move the table (nor the rows a sort by type or name leaves equal). Resources of a scope never
 * scanned (a deploy's, before any scan of its region) come last.
 */
export function resourceOrder(rows: readonly Resource[], index: ResourceIndex): Resource[] {
  // The index keeps each scope where its first scan put it: a later scan of the scope replaces it in place.
  const scopeRank = new Map(index.scans.map((scan, i) => [scan.region, i]));
  const typeRank = new Map(resourceTypes.map((type, i) => [type, i]));
  const groups: Resource[][] = [];
  for (const r of rows) {
    const scope = scopeRank.get(r.type === 'bucket' ? globalScope : r.region) ?? scopeRank.size;
    const rank = scope * resourceTypes.length + (typeRank.get(r.type) ?? 0);
    const group = groups[rank];
    if (group) group.push(r);
    else groups[rank] = [r];
  }
  return groups.flat();
}
