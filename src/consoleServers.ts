import type { Resource } from './domain/resource';
import { formatSourceError } from './domain/sourceError';
import { LatencyHistory } from './services/servers/latencyHistory';
import { ReachabilityMonitor } from './services/servers/reachabilityMonitor';
import { serverRows, withoutDemoAddress } from './services/servers/serverRows';
import { loadServersFile } from './services/servers/serversFile';
import { findKeyFile } from './services/servers/sshArgv';
import { runSshSession } from './services/servers/sshSession';
import { workspacePaths } from './services/storage/workspace';
import type { DeckServers, ServerReach, ServerView } from './state/services/servers';

/** The Servers screen's outside world: servers.yaml, key files in ~/.ssh, the TCP probe and ssh itself. */
export function consoleServers(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  probeIntervalMs = 10_000,
): DeckServers {
  // One history for the console's life: probing restarts when the tab is shown again or the addresses change,
  // and the sparklines keep what was probed before.
  const history = new LatencyHistory(40);
  return {
    list: async (instances: readonly Resource[], demo: boolean) => {
      const file = await loadServersFile(workspacePaths(dataDir).serversFile, env);
      const keyPairs = [
        ...new Set(instances.map((i) => i.refs.keyPair).filter((k): k is string => Boolean(k))),
      ];
      const keyFiles = new Map<string, string>();
      for (const name of keyPairs) {
        const found = await findKeyFile(name, env);
        if (found) keyFiles.set(name, found);
      }
      const rows: ServerView[] = serverRows(file.hosts, instances, { keyFiles }).map((r) => {
        // The demo cloud's addresses belong to nobody: never probe them, never ssh to them.
        const row = demo ? withoutDemoAddress(r) : r;
        return {
          ...row,
          ssh: row.ssh.ok ? { ok: true, argv: row.ssh.argv } : { ok: false, error: row.ssh.error },
        };
      });
      return {
        rows,
        errors: file.errors.map(formatSourceError),
        badEntries: file.invalid.length,
        fileRead: file.readable,
      };
    },
    probe: (rows, onRound) => {
      const monitor = new ReachabilityMonitor({
        intervalMs: probeIntervalMs,
        history,
        onRound: (keys) => {
          const reach: Record<string, ServerReach> = {};
          for (const key of keys) {
            const last = history.last(key);
            reach[key] = {
              samples: history.samples(key),
              last: last && {
                ok: last.result.ok,
                latencyMs: last.result.ok ? last.result.latencyMs : undefined,
                error: last.result.ok ? undefined : last.result.error,
                short: last.result.ok ? undefined : last.result.short,
                at: last.at,
              },
            };
          }
          onRound(reach);
        },
      });
      monitor.setTargets(rows.flatMap((r) => (r.host ? [{ key: r.key, host: r.host, port: r.port }] : [])));
      monitor.start();
      return () => monitor.stop();
    },
    ssh: (argv, run) => runSshSession(argv, run),
  };
}
