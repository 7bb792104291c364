import { applyCloudEvent, cloudEventTypes, type ScanRegionEventData } from '../../domain/cloudJobs';
import type { DeckEvent } from '../../domain/event';
import { regionSchema } from '../../domain/jobKinds/cloudJobFields';
import {
  globalScope,
  type RegionScan,
  type Resource,
  ResourceIndex,
  type ResourceType,
  resourceKey,
} from '../../domain/resource';
import { isEarlierScan, joinedScanNote, scanKey } from '../../domain/scanRequest';
import { withProjectLookUp } from '../reducers/projectLookUp';
import type { DeckBus } from '../services/bus';
import type { CloudInfo, CloudSelection } from '../services/cloud';
import { errorText, type Slice } from '../slice';

export interface CloudState {
  selection: CloudSelection;
  info?: CloudInfo;
  opening: boolean;
  index: ResourceIndex;
  /** What the Resources screen shows: one type (`:ec2`) and/or one project. */
  view: { type?: ResourceType; project?: string };
}

export interface CloudActions {
  /**
   * Opens the cloud for the current selection and fills the index from the cache; scans when it is empty or stale,
   * and scans again the scopes whose cache file did not read.
   */
  connect(selection?: CloudSelection): Promise<void>;
  /** A scan job of the account: of these scopes only (regions, `global` for the buckets), or of all of them. */
  scan(scopes?: readonly string[]): Promise<string | undefined>;
  /** Deletes in dependency order as one job; `confirm` is what the user typed. */
  terminate(resources: Resource[], confirm: string, emptyBuckets: boolean): Promise<string | undefined>;
  power(project: string, on: boolean): Promise<string | undefined>;
  /** Start, stop or reboot: a job per region of `instances`; resolves with the first job's id. */
  instanceAction(action: 'start' | 'stop' | 'reboot', instances: Resource[]): Promise<string | undefined>;
  setView(view: { type?: ResourceType; project?: string }): void;
  /**
   * Writes the scans of these events into the console's cache for the scopes whose file did not read at connect:
   * whichever worker scanned them, the file is whole again and the next start does not warn about it.
   */
  repairCache(events: readonly DeckEvent[]): Promise<void>;
  /** What a tag look-up of one project in one region found replaces what the index held of it there. */
  lookedUp(project: string, region: string, found: readonly Resource[]): void;
}

const defaultStaleScanMs = 30 * 60_000;

/** Who we are in the cloud and the resource index, which follows the event stream wherever the worker ran. */
export const cloudSlice: Slice<'cloud', CloudState, CloudActions> = {
  name: 'cloud',
  initial: ({ init }) => ({
    selection: init.cloudSelection ?? {},
    opening: false,
    index: ResourceIndex.empty(),
    view: {},
  }),
  actions: ({ services, init, get, set, patch, notify, now }) => {
    const { cloud, bus } = services;
    const staleScanMs = init.staleScanMs ?? defaultStaleScanMs;

    /** `said` words the message for the id the queue answered with (default: `what: job 12 queued`). */
    const enqueue = async (
      what: string,
      spec: { kind: string; payload: unknown; idempotencyKey?: string },
      said?: (id: string, bus: DeckBus) => Promise<string | undefined>,
    ) => {
      if (!bus) {
        notify('error', `${what}: no worker layer in this console`);
        return undefined;
      }
      try {
        const id = await bus.queue.enqueue({ ...spec, requestedBy: bus.requester } as Parameters<
          DeckBus['queue']['enqueue']
        >[0]);
        notify('info', (await said?.(id, bus)) ?? `${what}: job ${id} queued`);
        return id;
      } catch (error) {
        notify('error', `${what}: ${errorText(error)}`);
        return undefined;
      }
    };
    // The worker re-checks both: a worker on another account (or on the demo cloud) refuses instead of acting.
    const stamp = () => ({ account: get().cloud.info?.account, readOnly: get().workspace.readOnly });
    const refuseReadOnly = (what: string) => {
      if (!get().workspace.readOnly) return false;
      notify('error', `${what}: refused, infradeck runs read-only (--readonly)`);
      return true;
    };

    let connecting: Promise<void> | undefined;
    // `account/scope` of the cache files that did not read at connect, until a scan of that scope comes.
    const unreadFiles = new Set<string>();
    let latest = 0;
    // What this connection said went wrong. A later switch that works takes it off the status bar (where
    // the last error stays) and the message line: the old profile's expired token is not the demo cloud's
    // problem. `:messages` keeps it.
    const cloudErrors = new Set<string>();
    const cloudError = (text: string) => {
      cloudErrors.add(text);
      notify('error', text);
    };
    const forgetCloudErrors = () => {
      if (cloudErrors.size === 0) return;
      const { lastError, toasts } = get().ui;
      const stale = cloudErrors.has(lastError?.text ?? '');
      const kept = toasts.filter((t) => !(t.level === 'error' && cloudErrors.has(t.text)));
      cloudErrors.clear();
      if (stale || kept.length !== toasts.length)
        set((s) => ({ ui: { ...s.ui, toasts: kept, ...(stale ? { lastError: undefined } : {}) } }));
    };
    const connectTo = async (selection?: CloudSelection): Promise<void> => {
      if (!cloud) return;
      // A newer connect (`:profile`, `:region`, `:demo`) supersedes this one: its late answers are dropped.
      const mine = ++latest;
      const current = () => mine === latest;
      const wanted = { ...get().cloud.selection, ...selection };
      patch({ selection: wanted, opening: true });
      try {
        const info = await cloud.open(wanted);
        if (!current()) return;
        // Who we are shows at once (another account's resources go with the old identity); the cached scans
        // follow when they are read.
        patch({ info, opening: false, index: withNewerScans([], get().cloud.index, info.account) });
        if (info.problem) cloudError(info.problem);
        else forgetCloudErrors();
        if (!info.account) return;
        const { scans, unread } = await cloud.cachedScans(info.account);
        if (!current()) return;
        patch({ index: withNewerScans(scans, get().cloud.index, info.account) });
        // A file that did not read is named with why; the regions that read stay, and it is scanned again.
        for (const u of unread) {
          notify('warn', u.reason);
          unreadFiles.add(`${info.account}/${u.region}`);
        }
        // Nothing cached, or only stale scans: start with a fresh look, as an operator would anyway.
        const newest = scans.reduce((latest, scan) => Math.max(latest, scan.scannedAt), 0);
        if (now() - newest > staleScanMs) await actions.scan();
        else if (unread.length > 0) await actions.scan(unread.map((u) => u.region));
      } catch (error) {
        if (!current()) return;
        patch({ opening: false });
        cloudError(`cloud: ${errorText(error)}`);
      }
    };

    const actions: CloudActions = {
      connect: (selection) => {
        // Asked again with nothing new (start-up connects before the first frame, the console when it mounts):
        // the connection under way or made stands.
        if (!selection && connecting) return connecting;
        connecting = connectTo(selection);
        return connecting;
      },

      scan: async (scopes) => {
        const { info, selection } = get().cloud;
        // selection only names the idempotency key; the worker scans the cloud it was given.
        if (!info?.account) {
          cloudError(`scan: no account${info?.problem ? `: ${info.problem}` : ''}`);
          return undefined;
        }
        const at = now();
        // A press (or another console) within the same minute gets the scan already asked for: say so.
        const earlier = async (id: string, { queue, requester }: DeckBus) => {
          // The scan is queued either way: a look-up that fails only loses the wording.
          const job = await Promise.resolve(queue.get?.(id)).catch(() => undefined);
          return job && isEarlierScan(job, at, requester) ? job : undefined;
        };
        const some = scopes && scanOfScopes(scopes);
        if (some) {
          const what = some.regions.length
            ? `scan ${some.regions.join(', ')}${some.buckets ? ' and the buckets' : ''}`
            : 'scan the buckets';
          // A key of its own: `s` in the same minute scans everything instead of joining this.
          const key = `${scanKey(info.account, selection.profile, at)}:${[...some.regions, ...(some.buckets ? [globalScope] : [])].join(',')}`;
          return enqueue(
            what,
            { kind: 'scan', payload: { account: info.account, ...some }, idempotencyKey: key },
            async (id, bus) =>
              (await earlier(id, bus))
                ? `${what}: joined job ${id}, asked for earlier this minute`
                : undefined,
          );
        }
        // Scopes no scan job can name (a stray file in the cache folder): nothing to scan.
        if (scopes) return undefined;
        return enqueue(
          'scan',
          {
            kind: 'scan',
            payload: { account: info.account },
            idempotencyKey: scanKey(info.account, selection.profile, at),
          },
          async (id, bus) => {
            const job = await earlier(id, bus);
            return job && joinedScanNote(job, at);
          },
        );
      },

      terminate: async (resources, confirm, emptyBuckets) => {
        if (refuseReadOnly('delete')) return undefined;
        return enqueue(`delete ${resources.length} resource${resources.length === 1 ? '' : 's'}`, {
          kind: 'terminate',
          payload: { ...stamp(), ids: resources.map(resourceKey), confirm, emptyBuckets },
        });
      },

      power: async (project, on) => {
        if (refuseReadOnly(`power ${on ? 'on' : 'off'} ${project}`)) return undefined;
        return enqueue(`power ${on ? 'on' : 'off'} ${project}`, {
          kind: 'power',
          payload: { ...stamp(), project, on },
        });
      },

      instanceAction: async (action, instances) => {
        if (refuseReadOnly(action)) return undefined;
        // A job acts in one region: a selection over several is a job for each.
        const byRegion = new Map<string, Resource[]>();
        for (const i of instances) byRegion.set(i.region, [...(byRegion.get(i.region) ?? []), i]);
        let first: string | undefined;
        for (const [region, list] of byRegion) {
          const id = await enqueue(`${action} ${list.map((i) => i.name ?? i.id).join(', ')}`, {
            kind: 'instances',
            payload: { ...stamp(), action, region, ids: list.map((i) => i.id) },
          });
          first ??= id;
        }
        return first;
      },

      setView: (view) => patch({ view }),

      repairCache: async (events) => {
        if (unreadFiles.size === 0 || !cloud?.cacheScan) return;
        for (const e of events) {
          const scan = (e.data as ScanRegionEventData | undefined)?.scan;
          const key = scan && `${scan.account}/${scan.region}`;
          if (!scan || scan.error || !key || !unreadFiles.has(key)) continue;
          unreadFiles.delete(key);
          try {
            await cloud.cacheScan(scan);
          } catch (error) {
            notify('warn', `scan cache: ${scan.region} not written: ${errorText(error)}`);
          }
        }
      },

      lookedUp: (project, region, found) =>
        patch({ index: withProjectLookUp(get().cloud.index, project, region, found) }),
    };
    return actions;
  },
  effects: {
    [cloudEventTypes.scanRegion]: (events, deck) => void deck.actions.cloud.repairCache(events),
  },
  reducers: {
    // One key for both: a scan and a change of the same region apply in the order they happened.
    [`${cloudEventTypes.scanRegion} ${cloudEventTypes.resourceChanged}`]: (cloud, events) => {
      const index = events.reduce((index, e) => applyCloudEvent(index, e, cloud.info?.account), cloud.index);
      return index === cloud.index ? cloud : { ...cloud, index };
    },
  },
};

/**
 * The regions of `scopes` a scan job can name (a stray `notes.json` in the cache is none), and whether the buckets
 * are among them; undefined when there is neither.
 */
function scanOfScopes(scopes: readonly string[]): { regions: string[]; buckets: boolean } | undefined {
  const regions = [...new Set(scopes)].filter((r) => r !== globalScope && regionSchema.safeParse(r).success);
  const buckets = scopes.includes(globalScope);
  return regions.length > 0 || buckets ? { regions, buckets } : undefined;
}

/**
 * The cache, updated with what the event stream already delivered: a scan event replayed before the cache was
 * read is newer than the cache's copy of that region.
 */
function withNewerScans(cached: RegionScan[], current: ResourceIndex, account?: string): ResourceIndex {
  let index = ResourceIndex.fromScans(cached);
  for (const scan of current.scans) {
    if (scan.account !== account) continue;
    const mine = index.scan(scan.region);
    if (!mine || mine.scannedAt < scan.scannedAt) index = index.withScan(scan);
  }
  return index;
}
