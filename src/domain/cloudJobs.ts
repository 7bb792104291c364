import { describeJob, type JobKind } from './job';
import { resourceChangedEvent, scanRegionEvent } from './jobKinds/cloudEvents';
import type { ResourceSummary } from './jobKinds/cloudJobFields';
import { JobRefused, refusedPrefix } from './refusal';
import {
  globalScope,
  type RegionScan,
  type Resource,
  type ResourceChange,
  type ResourceIndex,
  resourceTypes,
} from './resource';

/**
 * The cloud jobs: `scan`, `terminate`, `power` and `instances` (each declared in `jobKinds/`). Their payloads
 * are what a console (or the CLI) queues; their results are stored with the job; their events (`scan.region`,
 * `resource.changed`) are how every console keeps its `ResourceIndex` current, whichever host ran the job.
 */

export type { ResourceChangedEventData, ScanRegionEventData } from './jobKinds/cloudEvents';
export type { InstanceOutcome, ResourceSummary } from './jobKinds/cloudJobFields';
export {
  type InstanceAction,
  type InstancesPayload,
  type InstancesResult,
  instanceActions,
  instancesPayloadSchema,
} from './jobKinds/instances';
export { type PowerPayload, type PowerResult, powerPayloadSchema } from './jobKinds/power';
export { type ScannedScope, type ScanPayload, type ScanResult, scanPayloadSchema } from './jobKinds/scan';
export { type TerminatePayload, type TerminateResult, terminatePayloadSchema } from './jobKinds/terminate';

/** The event types the cloud jobs publish, besides the `job.*` ones. */
export const cloudEventTypes = {
  /** One scope of a scan finished (or failed): `data: ScanRegionEventData`. */
  scanRegion: scanRegionEvent.type,
  /** A job changed resources: `data: ResourceChangedEventData`. */
  resourceChanged: resourceChangedEvent.type,
} as const;

/** A summary of a resource for results and events. */
export function summarize(r: Resource): ResourceSummary {
  return {
    type: r.type,
    id: r.id,
    region: r.region,
    ...(r.name ? { name: r.name } : {}),
    ...(r.project ? { project: r.project } : {}),
  };
}

const resourceTypeSet = new Set<string>(resourceTypes);

function isResource(value: unknown): value is Resource {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.type === 'string' &&
    resourceTypeSet.has(r.type) &&
    typeof r.id === 'string' &&
    typeof r.region === 'string' &&
    typeof r.detail === 'string' &&
    typeof r.tags === 'object' &&
    r.tags !== null &&
    typeof r.refs === 'object' &&
    r.refs !== null
  );
}

function isRegionScan(value: unknown): value is RegionScan {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s.account === 'string' &&
    typeof s.region === 'string' &&
    typeof s.scannedAt === 'number' &&
    Array.isArray(s.resources) &&
    (s.error === undefined || typeof s.error === 'string')
  );
}

function isChange(value: unknown): value is ResourceChange {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  switch (c.kind) {
    case 'state':
      return typeof c.region === 'string' && typeof c.id === 'string' && typeof c.state === 'string';
    case 'deleted':
      return typeof c.region === 'string' && typeof c.id === 'string';
    case 'upsert':
      return isResource(c.resource);
    default:
      return false;
  }
}

/**
 * The console's reducer for cloud events: a `scan.region` replaces its scope, a `resource.changed` applies
 * the changes. Events of another account (a worker on another profile, or on the DEMO cloud) are ignored
 * when `account` is given, and so is anything malformed (an event from another version): the index is never
 * broken by bad data. Returns the same index when nothing applies.
 */
export function applyCloudEvent(
  index: ResourceIndex,
  event: { type: string; data?: unknown },
  account?: string,
): ResourceIndex {
  const data = event.data as Record<string, unknown> | undefined;
  if (!data || typeof data !== 'object') return index;
  if (event.type === cloudEventTypes.scanRegion) {
    const scan = data.scan;
    if (!isRegionScan(scan)) return index;
    if (account !== undefined && scan.account !== account) return index;
    const resources = scan.resources.filter(isResource);
    return index.withScan(resources.length === scan.resources.length ? scan : { ...scan, resources });
  }
  if (event.type === cloudEventTypes.resourceChanged) {
    if (account !== undefined && data.account !== account) return index;
    if (!Array.isArray(data.changes)) return index;
    return index.applyAll(data.changes.filter(isChange));
  }
  return index;
}

// ---- confirmation and refusals ---------------------------------------------------------------------

/** What the user may type to confirm deleting `selected`: their number, or their project when they share one. */
export function confirmationChoices(count: number, projects: Iterable<string | undefined>): string[] {
  const choices = [String(count)];
  const set = new Set(projects);
  if (set.size === 1) {
    const [only] = set;
    if (only) choices.push(only);
  }
  return choices;
}

/** Whether `typed` confirms: exactly one of the choices, ignoring surrounding spaces. */
export function confirms(typed: string, choices: readonly string[]): boolean {
  return choices.includes(typed.trim());
}

/** The refusal for a change asked in read-only mode, or undefined when the job may go on. */
export function readOnlyRefusal(
  what: string,
  fromPayload: boolean,
  fromWorker: boolean | undefined,
): JobRefused | undefined {
  if (!fromPayload && !fromWorker) return undefined;
  const by = fromWorker
    ? 'this worker runs read-only (--readonly or INFRADECK_READONLY)'
    : 'the console that queued it is in read-only mode';
  return new JobRefused(`${what}: read-only mode (${by}); nothing was changed`);
}

/** The refusal for a job meant for another account than the worker's, or undefined. */
export function accountRefusal(
  what: string,
  wanted: string | undefined,
  worker: { account: string; cloud: 'aws' | 'demo' },
): JobRefused | undefined {
  if (wanted === undefined || wanted === worker.account) return undefined;
  const mine = worker.cloud === 'demo' ? `the DEMO cloud (${worker.account})` : `account ${worker.account}`;
  return new JobRefused(
    `${what}: queued for account ${wanted}, but this worker acts on ${mine}; nothing was changed ` +
      '(run workers with the same credentials as the console)',
  );
}

// ---- descriptions ----------------------------------------------------------------------------------

const cloudJobKinds: readonly string[] = ['scan', 'terminate', 'power', 'instances'] satisfies JobKind[];

/** One line for tables and the audit trail; undefined for a kind that is not a cloud job (see `describeJob`). */
export function describeCloudJob(kind: string, payload: unknown): string | undefined {
  if (!cloudJobKinds.includes(kind) || typeof payload !== 'object' || payload === null) return undefined;
  return describeJob(kind, payload);
}

/** How old a scan may be before the screen and `infradeck resources` call it stale (default). */
export const defaultStaleAfterMs = 60 * 60_000;

/** The scope a resource's scan belongs to: buckets are listed once per account. */
export function scopeOf(r: Pick<Resource, 'type' | 'region'>): string {
  return r.type === 'bucket' ? globalScope : r.region;
}

export { JobRefused, refusedPrefix };
