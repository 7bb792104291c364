import { awsRegionNames } from '../../domain/awsRegions';
import { globalScope, type Resource, resourceTypes } from '../../domain/resource';

const knownRank = new Map(awsRegionNames.map((region, i) => [region, i]));

/**
 * Regions in the order `awsRegionNames` lists them, a region that list does not know (newer, or the demo's made-up
 * ones) after them by name, the bucket scan last.
 */
export function compareScopes(a: string, b: string): number {
  if (a === globalScope || b === globalScope) return Number(a === globalScope) - Number(b === globalScope);
  const rankA = knownRank.get(a) ?? awsRegionNames.length;
  const rankB = knownRank.get(b) ?? awsRegionNames.length;
  return rankA - rankB || a.localeCompare(b, 'en', { numeric: true });
}

/**
 * The Resources table's order: scope by scope (a region, or `global` for the buckets) in a fixed region order,
 * within a scope by type as `resourceTypes` lists them, then as the scan listed them. The regions' order comes
 * from their names, not from which scan answered first: the same account reads the same on every launch, and a
 * rescan (the index puts the rescanned region's resources last) leaves every row where it was.
 */
export function resourceOrder(rows: readonly Resource[]): Resource[] {
  const scopeOf = (r: Resource) => (r.type === 'bucket' ? globalScope : r.region);
  const scopes = [...new Set(rows.map(scopeOf))].sort(compareScopes);
  const scopeRank = new Map(scopes.map((scope, i) => [scope, i]));
  const typeRank = new Map(resourceTypes.map((type, i) => [type, i]));
  const groups: Resource[][] = [];
  for (const r of rows) {
    const rank = (scopeRank.get(scopeOf(r)) ?? 0) * resourceTypes.length + (typeRank.get(r.type) ?? 0);
    const group = groups[rank];
    if (group) group.push(r);
    else groups[rank] = [r];
  }
  return groups.flat();
}
