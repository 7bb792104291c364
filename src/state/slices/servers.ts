import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '../../domain/resource';
import type { ServerReach, ServerView, TerminalRunner } from '../services/servers';
import { errorText, type Slice } from '../slice';

export interface ServersState {
  rows: ServerView[];
  reach: Record<string, ServerReach>;
  loading: boolean;
  /** The problems of servers.yaml (`file:line:col: …`) at the last read. */
  fileErrors: string[];
  /** How many entries of servers.yaml those problems left out: each costs only itself, the valid hosts are rows. */
  badEntries: number;
  /** False when servers.yaml as a whole could not be read (not YAML, a wrong top level): none of its hosts is a row. */
  fileRead: boolean;
}

export interface ServersActions {
  /**
   * Reads servers.yaml and joins the instances of the resource index. The file's problems go to the message line
   * when they changed since the last read, or `again` (the user asked to read it).
   */
  refresh(again?: boolean): Promise<void>;
  /** Probes the listed servers until the returned stop is called (the Servers screen runs it while open). */
  probe(): () => void;
  /**
   * Opens ssh to the server in the terminal `run` hands over; when ssh fails, says why in ssh's own words (its
   * last lines), as a message that stays in the status bar.
   */
  ssh(row: ServerView, run: TerminalRunner | undefined): Promise<void>;
}

/** ssh exits with 255 for its own errors; any other code is the remote shell's (`exit 3` on the host). */
const sshOwnError = 255;

/**
 * ssh's line with the reason first, so a narrow message line still shows it: `ssh: connect to host H port P:
 * Connection refused` reads `Connection refused (H port P)`.
 */
export function sshReason(line: string): string {
  const text = line.replace(/^ssh: /, '');
  const connect = /^connect to host (\S+) port (\d+): (.+)$/.exec(text);
  return connect ? `${connect[3]} (${connect[1]} port ${connect[2]})` : text;
}

/** The hosts of servers.yaml and the EC2 instances, with how they answer. */
export const serversSlice: Slice<'servers', ServersState, ServersActions> = {
  name: 'servers',
  initial: () => ({ rows: [], reach: {}, loading: false, fileErrors: [], badEntries: 0, fileRead: true }),
  actions: ({ services, get, patch, notify }) => {
    const servers = services.servers;
    return {
      refresh: async (again = false) => {
        if (!servers) return;
        patch({ loading: true });
        try {
          const { index, info } = get().cloud;
          const instances: Resource[] = index.query({ type: 'instance' });
          const {
            rows,
            errors,
            badEntries = 0,
            fileRead = true,
          } = await servers.list(instances, info?.kind === 'demo');
          // The list is read again at every scan: a file still broken the same way is not told again each time.
          const before = get().servers.fileErrors;
          const changed = !isDeepStrictEqual(errors, before);
          patch({ rows, loading: false, fileErrors: changed ? errors : before, badEntries, fileRead });
          if (changed || again) for (const e of errors) notify('error', e);
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
      ssh: async (row, run) => {
        if (!row.ssh.ok) return notify('warn', `ssh ${row.name}: ${row.ssh.error}`);
        if (!servers || !run) return notify('error', 'ssh: this console has no terminal to hand over');
        try {
          const { code, started, lines } = await servers.ssh(row.ssh.argv, run);
          if (code === 0 || !started) return;
          if (code !== sshOwnError)
            return notify('warn', `ssh ${row.name}: the remote session ended with exit status ${code}`);
          const last = lines.length
            ? sshReason(lines[lines.length - 1])
            : `ssh exited with ${code} without saying why`;
          const before = lines.slice(0, -1);
          notify(
            'error',
            `ssh ${row.name}: ${last}${before.length ? ` (before that: ${before.join(' · ')})` : ''}`,
          );
        } catch (error) {
          notify('error', `ssh ${row.name}: ${errorText(error)}`);
        }
      },
    };
  },
};
