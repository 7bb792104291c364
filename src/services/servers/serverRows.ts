import type { Resource } from '../../domain/resource';
import type { ServerHost } from './serversFile';
import { type SshPlan, sshArgv } from './sshArgv';

/** One row of the Servers screen: a `servers.yaml` host or an EC2 instance. */
export interface ServerRow {
  /** Stable across refreshes: `host:NAME` or `ec2:REGION/ID`. */
  key: string;
  source: 'servers.yaml' | 'ec2';
  name: string;
  /** What is probed and ssh'd to; absent for an instance without an IP (stopped). */
  host?: string;
  port: number;
  user?: string;
  /** Instances: their state and where they are. Hosts have none (reachability tells). */
  state?: string;
  region?: string;
  instanceId?: string;
  project?: string;
  detail: string;
  tags: Record<string, string>;
  ssh: SshPlan;
}

export interface ServerRowOptions {
  /** Key pair name -> private key file found here (`findKeyFile`). */
  keyFiles?: ReadonlyMap<string, string>;
  /** Terminated instances are listed by AWS for an hour; leave them out by default. */
  includeTerminated?: boolean;
}

/** The Servers list: the file's hosts in file order, then instances by name. Pure: no I/O. */
export function serverRows(
  hosts: readonly ServerHost[],
  instances: readonly Resource[],
  options: ServerRowOptions = {},
): ServerRow[] {
  const rows: ServerRow[] = hosts.map((h) => ({
    key: `host:${h.name}`,
    source: 'servers.yaml',
    name: h.name,
    host: h.host,
    port: h.port,
    ...(h.user ? { user: h.user } : {}),
    ...(h.project ? { project: h.project } : {}),
    detail: `${h.user ? `${h.user}@` : ''}${h.host}:${h.port}`,
    tags: h.tags,
    ssh: sshArgv({ kind: 'host', host: h }),
  }));
  const ec2 = instances
    .filter((r) => r.type === 'instance' && (options.includeTerminated || r.state !== 'terminated'))
    .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id) || a.region.localeCompare(b.region));
  for (const r of ec2) {
    const keyFile = r.refs.keyPair ? options.keyFiles?.get(r.refs.keyPair) : undefined;
    const ssh = sshArgv({ kind: 'ec2', instance: r, ...(keyFile ? { identityFile: keyFile } : {}) });
    rows.push({
      key: `ec2:${r.region}/${r.id}`,
      source: 'ec2',
      name: r.name ?? r.id,
      ...(ssh.ok ? { host: ssh.host, port: ssh.port, user: ssh.user } : { port: 22 }),
      ...(r.state ? { state: r.state } : {}),
      region: r.region,
      instanceId: r.id,
      ...(r.project ? { project: r.project } : {}),
      detail: r.detail,
      tags: r.tags,
      ssh,
    });
  }
  return rows;
}

/**
 * A DEMO cloud's instance: its addresses are made up and belong to somebody else on the internet, so it is never
 * probed nor ssh'd to (the Servers tab and `infradeck servers` alike). Other rows are returned as they are.
 */
export function withoutDemoAddress(row: ServerRow): ServerRow {
  if (row.source !== 'ec2') return row;
  const { host: _host, ...rest } = row;
  return { ...rest, ssh: { ok: false, error: 'a DEMO instance: there is no real host to ssh to' } };
}
