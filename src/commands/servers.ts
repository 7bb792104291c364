import type { Resource } from '../domain/resource';
import { tagsText } from '../domain/serverTags';
import { formatSourceError } from '../domain/sourceError';
import { fitWidth, stripControl } from '../domain/text';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { demoAccountId } from '../services/cloud/demoCloud';
import { mapLimit } from '../services/cloud/mapLimit';
import { readAccountCache } from '../services/cloud/scanCache';
import { type ProbeResult, probeTcp } from '../services/servers/probeTcp';
import { type ServerRow, serverRows, withoutDemoAddress } from '../services/servers/serverRows';
import { loadServersFile, type ServersFile } from '../services/servers/serversFile';
import { findKeyFile } from '../services/servers/sshArgv';
import { workspacePaths } from '../services/storage/workspace';
import { type CloudCommandIO, CommandCloud, cacheAccount } from './cloudJob';
import { declareCommand, parseCommand, usageError } from './declaration';
import { printTable, terminalWidth } from './printTable';
import { sourceErrorsJson } from './sourceErrorsJson';

/** Worth probing: a host of the file, or an instance that runs (a stopped one would only time out). */
export function probeable(row: ServerRow): boolean {
  return row.host !== undefined && (row.source === 'servers.yaml' || row.state === 'running');
}

export const serversDeclaration = declareCommand({
  name: 'servers',
  summary: 'servers.yaml hosts and EC2 instances: reachability, project, tags',
  description:
    'The hosts of servers.yaml and the EC2 instances of the last scan, each probed once on its SSH port (TCP ' +
    'connect), with the ssh command that reaches it.',
  args: [],
  flags: {
    'no-probe': { type: 'boolean', help: 'do not probe the SSH ports' },
    timeout: { type: 'string', value: 'MS', help: 'how long a probe waits (10 to 60000, default 2000)' },
    account: { type: 'string', value: 'ID', help: "the instances of this account's cache" },
    json: { type: 'boolean', help: 'the servers as JSON' },
  },
  exits: {
    0: 'ok: every entry of servers.yaml was read (a host that does not answer is listed as down, not an error)',
    2: 'bad arguments, or servers.yaml has problems, each printed with file:line:col: a bad entry is left out and the other hosts and the instances are listed; a file not read at all (not YAML, a wrong top level) lists none of its hosts',
  },
  run: serversCommand,
});

/** `infradeck servers [--no-probe] [--json]`: servers.yaml hosts and EC2 instances, probed on their SSH port. */
export async function serversCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let values: { 'no-probe'?: boolean; timeout?: string; account?: string; json?: boolean };
  let timeoutMs = 2_000;
  try {
    ({ values } = parseCommand(serversDeclaration, argv));
    if (values.timeout !== undefined) {
      timeoutMs = Number(values.timeout);
      if (!(Number.isInteger(timeoutMs) && timeoutMs >= 10 && timeoutMs <= 60_000)) {
        throw new Error(`--timeout ${values.timeout}: not a number of milliseconds from 10 to 60000`);
      }
    }
  } catch (error) {
    return usageError(serversDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  const paths = workspacePaths(io.workspace.dataDir);
  const file = await loadServersFile(paths.serversFile, io.env);
  const errors = file.errors.map(formatSourceError);
  for (const e of errors) io.stderr.write(`${stripControl(e)}\n`);
  const problem = serversFileProblem(file);
  if (problem) io.stderr.write(`${problem}\n`);

  const cloud = new CommandCloud(io);
  const choice = await cacheAccount(io, cloud, values.account);
  let instances: Resource[] = [];
  if ('error' in choice) {
    io.stderr.write(`EC2 instances not listed: ${choice.error}\n`);
  } else {
    if (choice.note && !json) io.stderr.write(`${choice.note}\n`);
    const { scans } = await readAccountCache(paths.cacheDir, choice.account);
    instances = scans.flatMap((s) => s.resources.filter((r) => r.type === 'instance'));
    if (scans.length === 0 && !json) {
      // `--account` with a typo read "nothing is cached yet", as if no scan had ever run.
      io.stderr.write(
        values.account
          ? `EC2 instances not listed: nothing is cached for account ${stripControl(choice.account)} (run \`infradeck scan\`)\n`
          : 'EC2 instances not listed: nothing is cached yet (run `infradeck scan`)\n',
      );
    }
  }
  const keyFiles = new Map<string, string>();
  for (const name of new Set(instances.flatMap((r) => (r.refs.keyPair ? [r.refs.keyPair] : [])))) {
    const found = await findKeyFile(name, io.env);
    if (found) keyFiles.set(name, found);
  }
  // The DEMO cloud's addresses are made up: never probed, never given as an ssh command (as in the Servers tab).
  const demo = 'account' in choice && choice.account === demoAccountId;
  const rows = serverRows(file.hosts, instances, { keyFiles }).map((r) => (demo ? withoutDemoAddress(r) : r));

  const probes = new Map<string, ProbeResult>();
  if (!values['no-probe']) {
    await mapLimit(rows.filter(probeable), 32, async (row) => {
      probes.set(row.key, await probeTcp(row.host!, row.port, timeoutMs));
    });
  }

  if (json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          servers: rows.map((r) => ({ ...r, probe: probes.get(r.key) })),
          errors: sourceErrorsJson(file.errors),
          invalid: file.invalid.map((entry) => ({
            index: entry.index,
            ...(entry.name !== undefined ? { name: entry.name } : {}),
            errors: sourceErrorsJson(entry.errors),
          })),
          serversFileRead: file.readable,
          serversFile: file.exists ? paths.serversFile : undefined,
        },
        null,
        2,
      )}\n`,
    );
  } else if (rows.length === 0 && errors.length > 0) {
    io.stdout.write(
      'No servers listed: servers.yaml has problems (above), and no EC2 instance is listed either.\n',
    );
  } else if (rows.length === 0) {
    io.stdout.write(
      `No servers. List SSH hosts in ${paths.serversFile}, or scan AWS (infradeck scan) to see EC2 instances.\n`,
    );
  } else {
    printTable(
      io.stdout,
      ['NAME', 'SOURCE', 'HOST', 'PORT', 'STATE', 'PROJECT', 'REACH', 'LATENCY', 'SSH', 'TAGS'],
      rows.map((r) => {
        const p = probes.get(r.key);
        return [
          fitWidth(stripControl(r.name), 28).trimEnd(),
          r.source === 'ec2' ? `ec2 ${r.region}` : 'servers.yaml',
          r.host ?? '-',
          String(r.port),
          stripControl(r.state ?? ''),
          stripControl(r.project ?? ''),
          p ? (p.ok ? 'up' : 'down') : '-',
          p?.ok ? `${p.latencyMs.toFixed(1)} ms` : '',
          r.ssh.ok ? r.ssh.argv.join(' ') : stripControl(r.ssh.error),
          stripControl(tagsText(r)),
        ];
      }),
      // The tags and the ssh command (or why there is none) give way first, then the project; the name, source
      // (region), host, port and state stay whole.
      {
        width: terminalWidth(io),
        giveWay: [
          { column: 'TAGS', hide: true },
          { column: 'SSH', min: 24 },
          { column: 'LATENCY', hide: true },
          { column: 'SSH', min: 12 },
          { column: 'SSH', hide: true },
          { column: 'PROJECT', hide: true },
        ],
      },
    );
    for (const r of rows) {
      const p = probes.get(r.key);
      if (p && !p.ok) io.stderr.write(`${stripControl(r.name)}: ${p.error}\n`);
    }
  }
  // Bad input is 2, as for every command that reads a workspace file (schedules, repos, pipelines, blueprints):
  // the good hosts are listed all the same, and a script learns the file needs fixing.
  return !file.readable || file.invalid.length > 0 ? exitCodes.usage : exitCodes.ok;
}

/** `servers.yaml: 2 entries with problems are not listed: servers[3] "web-4", servers[4]`; undefined when none. */
export function serversFileProblem(file: ServersFile): string | undefined {
  if (!file.readable) return 'servers.yaml not read: none of its hosts is listed';
  if (file.invalid.length === 0) return undefined;
  const n = file.invalid.length;
  const names = file.invalid.map(
    (e) => `servers[${e.index}]${e.name !== undefined ? ` ${JSON.stringify(stripControl(e.name))}` : ''}`,
  );
  return `servers.yaml: ${n} ${n === 1 ? 'entry with a problem is' : 'entries with problems are'} not listed: ${names.join(', ')}`;
}
