import { type RegionScan, type Resource, ResourceIndex, resourceKey } from '../domain/resource';
import type { CloudSelection, DeckBus, DeckCloud } from './deckServices';
import type { DeckStoreTools } from './store';

export interface CloudActions {
  /** Opens the cloud for the current selection and fills the index from the cache; scans when it is empty. */
  connectCloud(selection?: CloudSelection): Promise<void>;
  scanNow(): Promise<string | undefined>;
  /** Deletes in dependency order as one job; `confirm` is what the user typed. */
  terminate(resources: Resource[], confirm: string, emptyBuckets: boolean): Promise<string | undefined>;
  powerProject(project: string, on: boolean): Promise<string | undefined>;
  instanceAction(action: 'start' | 'stop' | 'reboot', instances: Resource[]): Promise<string | undefined>;
}

export function cloudActions(
  cloud: DeckCloud | undefined,
  bus: DeckBus | undefined,
  tools: DeckStoreTools,
  staleScanMs = 30 * 60_000,
): CloudActions {
  const { set, get, notify } = tools;

  const enqueue = async (what: string, spec: { kind: string; payload: unknown; idempotencyKey?: string }) => {
    if (!bus) {
      notify('error', `${what}: no worker layer in this console`);
      return undefined;
    }
    try {
      const id = await bus.queue.enqueue({ ...spec, requestedBy: bus.requester } as Parameters<
        DeckBus['queue']['enqueue']
      >[0]);
      notify('info', `${what}: job ${id} queued`);
      return id;
    } catch (error) {
      notify('error', `${what}: ${error instanceof Error ? error.message : String(error)}`);
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
  let latest = 0;
  const connectTo = async (selection?: CloudSelection): Promise<void> => {
    if (!cloud) return;
    // A newer connect (`:profile`, `:region`, `:demo`) supersedes this one: its late answers are dropped.
    const mine = ++latest;
    const current = () => mine === latest;
    const wanted = { ...get().cloud.selection, ...selection };
    set((s) => ({ cloud: { ...s.cloud, selection: wanted, opening: true } }));
    try {
      const info = await cloud.open(wanted);
      if (!current()) return;
      // Who we are shows at once (another account's resources go with the old identity); the cached scans
      // follow when they are read.
      set((s) => ({
        cloud: { ...s.cloud, info, opening: false, index: withNewerScans([], s.cloud.index, info.account) },
      }));
      if (info.problem) notify('error', info.problem);
      const scans = info.account ? await cloud.cachedScans(info.account) : [];
      if (!current()) return;
      set((s) => ({ cloud: { ...s.cloud, index: withNewerScans(scans, s.cloud.index, info.account) } }));
      // Nothing cached, or only stale scans: start with a fresh look, as an operator would anyway.
      const newest = scans.reduce((latest, scan) => Math.max(latest, scan.scannedAt), 0);
      if (info.account && tools.now() - newest > staleScanMs) await actions.scanNow();
    } catch (error) {
      if (!current()) return;
      set((s) => ({ cloud: { ...s.cloud, opening: false } }));
      notify('error', `cloud: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const actions: CloudActions = {
    connectCloud: (selection) => {
      // Asked again with nothing new (start-up connects before the first frame, the console when it mounts):
      // the connection under way or made stands.
      if (!selection && connecting) return connecting;
      connecting = connectTo(selection);
      return connecting;
    },

    scanNow: async () => {
      const { info, selection } = get().cloud;
      // selection only names the idempotency key; the worker scans the cloud it was given.
      if (!info?.account) {
        notify('error', `scan: no account${info?.problem ? `: ${info.problem}` : ''}`);
        return undefined;
      }
      return enqueue('scan', {
        kind: 'scan',
        payload: { account: info.account },
        // Several consoles asking within the same minute get one scan.
        idempotencyKey: `scan:${info.account}:${selection.profile ?? ''}:${Math.floor(Date.now() / 60_000)}`,
      });
    },

    terminate: async (resources, confirm, emptyBuckets) => {
      if (refuseReadOnly('delete')) return undefined;
      return enqueue(`delete ${resources.length} resources`, {
        kind: 'terminate',
        payload: { ...stamp(), ids: resources.map(resourceKey), confirm, emptyBuckets },
      });
    },

    powerProject: async (project, on) => {
      if (refuseReadOnly(`power ${on ? 'on' : 'off'} ${project}`)) return undefined;
      return enqueue(`power ${on ? 'on' : 'off'} ${project}`, {
        kind: 'power',
        payload: { ...stamp(), project, on },
      });
    },

    instanceAction: async (action, instances) => {
      if (refuseReadOnly(action)) return undefined;
      const region = instances[0]?.region;
      if (!region || instances.some((i) => i.region !== region)) {
        notify('warn', `${action}: pick instances of one region at a time`);
        return undefined;
      }
      return enqueue(`${action} ${instances.map((i) => i.name ?? i.id).join(', ')}`, {
        kind: 'instances',
        payload: { ...stamp(), action, region, ids: instances.map((i) => i.id) },
      });
    },
  };
  return actions;
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
