import type { TargetSelector, TargetSource } from './batch';
import { type PlainHost, plainHostText, readPlainHost } from './batchHost';
import { didYouMean } from './didYouMean';
import type { Resource } from './resource';

/** A host of servers.yaml as the Servers tab reads it (its key path already resolved). */
export interface ServerRow {
  name: string;
  host: string;
  port: number;
  user?: string;
  identityFile?: string;
  tags: Record<string, string>;
  project?: string;
}

/** One machine a batch runs its action on. */
export interface BatchTarget {
  /** Unique in the batch, the same for the same host and port whatever selected it; no ":" (a BullMQ job id part). */
  key: string;
  /** What a person reads: the servers.yaml name, the instance's Name tag (else its id), the address as written. */
  name: string;
  host: string;
  port?: number;
  user?: string;
  identityFile?: string;
  source: 'servers.yaml' | 'ec2' | 'list';
  /** EC2: where it is, and the key pair it was launched with (the runner looks for its private key). */
  instance?: { id: string; region: string; keyPair?: string };
  /** Other names the selectors gave the same host and port: the action runs there once, as this target. */
  sameAddress?: string[];
}

/** A selector that selects nothing, or a name that names nothing: `path` is inside the batch's `targets`. */
export interface TargetProblem {
  /** Which selector of `targets` (0 for a batch with one). */
  selector: number;
  /** Inside the selector: `['servers', 1]`, `['tags', 'role']`, `['project']`. */
  path: PropertyKey[];
  message: string;
}

export type TargetResolution =
  | { ok: true; targets: BatchTarget[] }
  | { ok: false; problems: TargetProblem[] };

/**
 * An entry of servers.yaml left out for its problems: never a target, and a batch that names it, or may select it
 * by its project or tags as written, is refused rather than run on fewer machines than it says.
 */
export interface BadServerEntry {
  name?: string;
  project?: unknown;
  tags?: unknown;
  /** Its first problem, located: `servers.yaml:9:11: servers[2].port: expected a number, got "ssh"`. */
  problem: string;
}

export interface TargetInputs {
  servers: readonly ServerRow[];
  /** servers.yaml's entries with problems (its valid entries are `servers`). */
  badServers?: readonly BadServerEntry[];
  /**
   * Why none of servers.yaml was read (not YAML, its top level wrong, unreadable): its first problem, located. A
   * name is then not "unknown" and a project not "empty": what the file holds is not known.
   */
  serversNotRead?: string;
  /** The resource index's resources (instances are picked out; terminated ones are gone and left out). */
  resources: readonly Resource[];
}

// The Servers tab's tags for reaching an instance (src/services/servers/sshArgv.ts), read the same way here.
const sshUserTag = 'infradeck:ssh-user';
const sshPortTag = 'infradeck:ssh-port';
const defaultEc2User = 'ec2-user';
const userRule = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const gone = new Set(['terminated', 'shutting-down']);

/**
 * The targets of a batch, in the order its selectors name them (servers.yaml hosts in file order, then EC2
 * instances by name), each host:port once (the other names it was given kept in `sameAddress`). Every name that names nothing and every selector that selects nothing
 * is a problem; with any, there are no targets: a batch must never run on fewer machines than it says.
 */
export function resolveTargets(selectors: readonly TargetSelector[], inputs: TargetInputs): TargetResolution {
  const instances = inputs.resources
    .filter((r) => r.type === 'instance' && !gone.has(r.state ?? ''))
    .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id) || a.id.localeCompare(b.id));
  const badServers = inputs.badServers ?? [];
  const problems: TargetProblem[] = [];
  const picked: BatchTarget[] = [];
  const byKey = new Map<string, BatchTarget>();
  const names = new Set<string>();
  const add = (t: BatchTarget) => {
    const first = byKey.get(t.key);
    if (first) {
      if (t.name !== first.name && !first.sameAddress?.includes(t.name))
        first.sameAddress = [...(first.sameAddress ?? []), t.name];
      return;
    }
    let name = t.name;
    if (names.has(name)) name = `${name} (${t.instance?.id ?? `${t.host}:${t.port ?? 22}`})`;
    names.add(name);
    const target = { ...t, name };
    byKey.set(t.key, target);
    picked.push(target);
  };

  for (const [i, s] of selectors.entries()) {
    const problem = (path: PropertyKey[], message: string) => problems.push({ selector: i, path, message });
    for (const [j, name] of (s.servers ?? []).entries()) {
      const bad = badServers.find((b) => b.name === name);
      const row = inputs.servers.find((r) => r.name === name);
      if (bad) problem(['servers', j], badServerText(name, bad));
      else if (row) add(serverTarget(row));
      else if (inputs.serversNotRead) problem(['servers', j], notReadText(name, inputs.serversNotRead));
      else problem(['servers', j], unknownServer(name, inputs.servers));
    }
    for (const [j, word] of (s.names ?? []).entries()) {
      // A name a bad entry has is that entry's (never an address of the same spelling, nor a same-named host).
      const bad = badServers.find((b) => b.name === word);
      const row = inputs.servers.find((r) => r.name === word);
      const address = row || bad ? undefined : readPlainHost(word);
      if (bad) problem(['names', j], badServerText(word, bad));
      else if (row) add(serverTarget(row));
      else if (address?.ok && looksLikeAddress(word)) add(listTarget(address.value));
      else if (inputs.serversNotRead) problem(['names', j], notReadText(word, inputs.serversNotRead));
      else problem(['names', j], `${unknownServer(word, inputs.servers)}, and not an address`);
    }
    for (const h of s.hosts ?? []) add(listTarget(h));
    if (s.project !== undefined || s.tags !== undefined) {
      const found = filtered(s, inputs.servers, badServers, instances, problem, inputs.serversNotRead);
      for (const t of found) add(t);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  if (picked.length === 0) {
    return { ok: false, problems: [{ selector: 0, path: [], message: 'the targets select no host' }] };
  }
  return { ok: true, targets: picked };
}

/** `web-3`: `no server "web-3" in servers.yaml (did you mean web-2?)`. */
function unknownServer(name: string, servers: readonly ServerRow[]): string {
  const known = servers.map((r) => r.name);
  // A name cut short (`bastion` for `bastion-example`) is as likely a slip as a typo.
  const startsSo = known.filter((k) => k.toLowerCase().startsWith(name.toLowerCase()));
  const guess =
    didYouMean(name, known, Math.max(1, Math.floor(name.length / 3))) ??
    (startsSo.length === 1 ? startsSo[0] : undefined);
  if (guess) return `no server "${name}" in servers.yaml (did you mean ${guess}?)`;
  if (known.length === 0) return `no server "${name}": servers.yaml has none`;
  const listed = known.length > 8 ? `${known.slice(0, 8).join(', ')}, …` : known.join(', ');
  return `no server "${name}" in servers.yaml (it has ${listed})`;
}

/** `no server "web-3": servers.yaml was not read (servers.yaml:4:3: …)`. */
function notReadText(name: string, why: string): string {
  return `no server "${name}": servers.yaml was not read (${why})`;
}

/** An ad-hoc word that is not a server's name is taken as an address only when it reads as one. */
function looksLikeAddress(word: string): boolean {
  return /[.:@]/.test(word) || word === 'localhost';
}

function filtered(
  s: TargetSelector,
  servers: readonly ServerRow[],
  badServers: readonly BadServerEntry[],
  instances: readonly Resource[],
  problem: (path: PropertyKey[], message: string) => void,
  serversNotRead?: string,
): BatchTarget[] {
  const useServers = s.from !== 'ec2';
  const useEc2 = s.from !== 'servers';
  // Which of its hosts this selects is not known: run on the instances alone, it could miss some.
  if (useServers && serversNotRead) {
    problem(
      [],
      `servers.yaml was not read, so which of its hosts this selects is not known (${serversNotRead})`,
    );
    return [];
  }
  const unsure = useServers ? badServers.filter((b) => maySelect(s, b)) : [];
  if (unsure.length > 0) {
    for (const b of unsure)
      problem(
        [],
        `${b.name ? `"${b.name}" of servers.yaml` : 'an entry of servers.yaml'} may be one of these, but ${b.problem}`,
      );
    return [];
  }
  const pool = [
    ...(useServers ? servers.map((row) => ({ project: row.project, tags: row.tags, row })) : []),
    ...(useEc2 ? instances.map((r) => ({ project: r.project, tags: r.tags, instance: r })) : []),
  ];
  const tags = Object.entries(s.tags ?? {});
  const where = sourceWords(s.from);
  let alone = true;
  if (s.project !== undefined && !pool.some((m) => m.project === s.project)) {
    alone = false;
    const known = [...new Set(pool.map((m) => m.project).filter((p): p is string => p !== undefined))].sort();
    const guess = didYouMean(s.project, known, Math.max(1, Math.floor(s.project.length / 3)));
    problem(
      ['project'],
      `no ${where} belongs to project "${s.project}"${guess ? ` (did you mean ${guess}?)` : ''}`,
    );
  }
  for (const [key, value] of tags) {
    if (pool.some((m) => m.tags[key] === value)) continue;
    alone = false;
    const values = [...new Set(pool.map((m) => m.tags[key]).filter((v): v is string => v !== undefined))];
    let hint = '';
    if (values.length > 0) {
      const guess = didYouMean(value, values, Math.max(1, Math.floor(value.length / 3)));
      hint = guess
        ? ` (did you mean ${key}=${guess}?)`
        : ` (${key} is ${values.slice(0, 5).join(', ')} there)`;
    } else {
      const keys = [...new Set(pool.flatMap((m) => Object.keys(m.tags)))];
      const guess = didYouMean(key, keys, Math.max(1, Math.floor(key.length / 3)));
      if (guess) hint = ` (did you mean the tag ${guess}?)`;
    }
    problem(['tags', key], `no ${where} has the tag ${key}=${value}${hint}`);
  }
  if (!alone) return [];
  const matches = pool.filter(
    (m) => (s.project === undefined || m.project === s.project) && tags.every(([k, v]) => m.tags[k] === v),
  );
  if (matches.length === 0) {
    const parts = [
      ...(s.project !== undefined ? [`project "${s.project}"`] : []),
      ...(tags.length > 0 ? [`the tags ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
    ];
    problem([], `no ${where} has both ${parts.join(' and ')}`);
    return [];
  }
  const out: BatchTarget[] = [];
  for (const m of matches) {
    if ('row' in m && m.row) out.push(serverTarget(m.row));
    else if ('instance' in m && m.instance) {
      const reached = instanceTarget(m.instance);
      if (reached.ok) out.push(reached.target);
      else problem([], reached.message);
    }
  }
  return out;
}

/** `server "web-2" of servers.yaml has a problem: servers.yaml:9:11: servers[2].port: …`. */
function badServerText(name: string, bad: BadServerEntry): string {
  return `server "${name}" of servers.yaml has a problem: ${bad.problem}`;
}

/**
 * Whether a bad entry may be selected by the selector's project and tags: it may unless what it has as written
 * clearly differs (another project or tag value, or none at all). Then the batch is refused: left without that
 * host, it would run on fewer machines than it says.
 */
function maySelect(s: TargetSelector, bad: BadServerEntry): boolean {
  if (s.project !== undefined) {
    if (bad.project === undefined || bad.project === null) return false;
    if (typeof bad.project === 'string' && bad.project !== s.project) return false;
  }
  const tags = Object.entries(s.tags ?? {});
  if (tags.length === 0) return true;
  if (bad.tags === undefined || bad.tags === null) return false;
  if (typeof bad.tags !== 'object' || Array.isArray(bad.tags)) return true;
  return tags.every(([key, value]) => {
    const has = (bad.tags as Record<string, unknown>)[key];
    return has !== undefined && has !== null && (typeof has !== 'string' || has === value);
  });
}

function sourceWords(from: TargetSource | undefined): string {
  if (from === 'servers') return 'server of servers.yaml';
  if (from === 'ec2') return 'EC2 instance';
  return 'server or EC2 instance';
}

function endpointKey(host: string, port: number | undefined): string {
  return `${host.replaceAll(':', '.')}_${port ?? 22}`;
}

function serverTarget(row: ServerRow): BatchTarget {
  return {
    key: endpointKey(row.host, row.port),
    name: row.name,
    host: row.host,
    port: row.port,
    ...(row.user ? { user: row.user } : {}),
    ...(row.identityFile ? { identityFile: row.identityFile } : {}),
    source: 'servers.yaml',
  };
}

function listTarget(h: PlainHost): BatchTarget {
  return {
    key: endpointKey(h.host, h.port),
    name: plainHostText(h),
    host: h.host,
    ...(h.port !== undefined ? { port: h.port } : {}),
    ...(h.user ? { user: h.user } : {}),
    source: 'list',
  };
}

/** Reached at its public IP, else its private IP, as the Servers tab's `s` reaches it. */
export function instanceTarget(
  r: Resource,
): { ok: true; target: BatchTarget } | { ok: false; message: string } {
  const label = r.name ? `${r.id} (${r.name})` : r.id;
  const publicIp = typeof r.raw?.PublicIpAddress === 'string' ? r.raw.PublicIpAddress : undefined;
  const privateIp = typeof r.raw?.PrivateIpAddress === 'string' ? r.raw.PrivateIpAddress : undefined;
  const host = publicIp || privateIp;
  if (!host) {
    const why = r.state && r.state !== 'running' ? `it is ${r.state}` : 'it has no IP address';
    return { ok: false, message: `cannot reach instance ${label}: ${why}` };
  }
  const user = r.tags[sshUserTag] ?? defaultEc2User;
  if (!userRule.test(user)) {
    return { ok: false, message: `instance ${label}: the ${sshUserTag} tag "${user}" is not a user name` };
  }
  let port = 22;
  const portTag = r.tags[sshPortTag];
  if (portTag !== undefined) {
    port = Number(portTag);
    if (!/^\d{1,5}$/.test(portTag) || port < 1 || port > 65_535) {
      return { ok: false, message: `instance ${label}: the ${sshPortTag} tag "${portTag}" is not a port` };
    }
  }
  return {
    ok: true,
    target: {
      key: endpointKey(host, port),
      name: r.name ?? r.id,
      host,
      port,
      user,
      source: 'ec2',
      instance: { id: r.id, region: r.region, ...(r.refs.keyPair ? { keyPair: r.refs.keyPair } : {}) },
    },
  };
}
