import type { RegionScan, ResourceChange } from '../resource';
import { carries, declareEvent } from './jobKindDeclaration';

/** How every console keeps its `ResourceIndex` current, whichever host ran the cloud job. */

export interface ScanRegionEventData {
  cloud: 'aws' | 'demo';
  /** The whole scan of the scope, resources included; `scan.error` when it failed. */
  scan: RegionScan;
  /** Scopes finished so far, failures included, and how many the scan has. */
  done: number;
  total: number;
}

export interface ResourceChangedEventData {
  account: string;
  changes: ResourceChange[];
}

/** One scope of a scan finished (or failed). */
export const scanRegionEvent = declareEvent('scan.region', carries<ScanRegionEventData>());

/** A job changed resources. */
export const resourceChangedEvent = declareEvent('resource.changed', carries<ResourceChangedEventData>());
