import type { Resource } from '../../domain/resource';
import type { ServerReach, ServerView } from '../services/servers';
import { errorText, type Slice } from '../slice';

export interface ServersState {
  rows: ServerView[];
  reach: Record<string, ServerReach>;
  loading: boolean;
}

export interface ServersActions {
  /** Reads servers.yaml and joins the instances of the resource index. */
  refresh(): Promise<void>;
  /** Probes the listed servers until the returned stop is called (the Servers screen runs it while open). */
  probe(): () => void;
}

/** The hosts of servers.yaml and the EC2 instances, with how they answer. */
export const serversSlice: Slice<'servers', ServersState, ServersActions> = {
  name: 'servers',
  initial: () => ({ rows: [], reach: {}, loading: false }),
  actions: ({ services, get, patch, notify }) => {
    const servers = services.servers;
    return {
      refresh: async () => {
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
          notify('error', `servers: ${errorText(error)}`);
        }
      },
      probe: () => {
        if (!servers) return () => {};
        return servers.probe(get().servers.rows, (reach) =>
          patch({ reach: { ...get().servers.reach, ...reach } }),
        );
      },
    };
  },
};
