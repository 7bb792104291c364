import type { DeckEvent } from '../domain/event';
import type { RegionScan, ResourceChange, ResourceIndex } from '../domain/resource';

/**
 * The resource index follows the event stream: a region scan replaces that region, job results (start, stop,
 * delete) change single resources. One source of truth for every console, wherever the worker ran.
 */
export function applyCloudEvents(
  index: ResourceIndex,
  events: readonly DeckEvent[],
  account?: string,
): ResourceIndex {
  let next = index;
  for (const e of events) {
    if (e.type === 'scan.region') {
      const scan = (e.data as { scan?: RegionScan } | undefined)?.scan;
      if (scan && Array.isArray(scan.resources) && (!account || scan.account === account))
        next = next.withScan(scan);
    } else if (e.type === 'resource.changed') {
      const changes = (e.data as { changes?: ResourceChange[] } | undefined)?.changes;
      if (Array.isArray(changes)) next = next.applyAll(changes);
    }
  }
  return next;
}
