import type { Resource } from '../domain/resource';
import type { DeckServers, ServerReach, ServerView } from './deckServices';
import type { DeckStoreTools } from './store';

export interface ServersSlice {
  rows: ServerView[];
  reach: Record<string, ServerReach>;
  loading: boolean;
}

export interface ServersActions {
  /** Reads servers.yaml and joins the instances of the resource index. */
  refreshServers(): Promise<void>;
  /** Probes the listed servers until the returned stop is called (the Servers screen runs it while open). */
  probeServers(): () => void;
}

export const emptyServersSlice = (): ServersSlice => ({ rows: [], reach: {}, loading: false });

export function serversActions(servers: DeckServers | undefined, tools: DeckStoreTools): ServersActions {
  const { set, get, notify } = tools;
  const patch = (p: Partial<ServersSlice>) => set((s) => ({ servers: { ...s.servers, ...p } }));
  return {
    refreshServers: async () => {
      if (!servers) return;
      patch({ loading: true });
      try {
        const { index, info } = get().cloud;
        const instances: Resource[] = index.query({ type: 'instance' });
        const { rows, errors } = await servers.list(instances, info?.kind === 'demo');
        patch({ rows, loading: false });
        for (const e of errors) notify('error', e);
      } catch (error) {
        patch({ loading: false });
        notify('error', `servers: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    probeServers: () => {
      if (!servers) return () => {};
      return servers.probe(get().servers.rows, (reach) =>
        patch({ reach: { ...get().servers.reach, ...reach } }),
      );
    },
  };
}
