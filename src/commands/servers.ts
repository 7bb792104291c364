import type { Resource } from '../domain/resource';
import { formatSourceError } from '../domain/sourceError';
import { fitWidth, stripControl } from '../domain/text';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { mapLimit } from '../services/cloud/mapLimit';
import { readAccountCache } from '../services/cloud/scanCache';
import { type ProbeResult, probeTcp } from '../services/servers/probeTcp';
import { type ServerRow, serverRows } from '../services/servers/serverRows';
import { loadServersFile } from '../services/servers/serversFile';
import { findKeyFile } from '../services/servers/sshArgv';
import { workspacePaths } from '../services/storage/workspace';
import { type CloudCommandIO, CommandCloud, cacheAccount } from './cloudJob';
import { declareCommand, parseCommand, usageError } from './declaration';
import { printTable } from './printTable';

/** Worth probing: a host of the file, or an instance that runs (a stopped one would only time out). */
export function probeable(row: ServerRow): boolean {
  return row.host !== undefined && (row.source === 'servers.yaml' || row.state === 'running');
}

export const serversDeclaration = declareCommand({
  name: 'servers',
  summary: 'servers.yaml hosts and EC2 instances, with reachability',
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
    0: 'ok',
    2: 'bad arguments, or servers.yaml has errors (printed with file:line:col; its valid hosts and the instances are still listed)',
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
    return usageError(serversDeclaration, io.stderr, error);
  }
  const json = wantsJson(io, values.json);
  const paths = workspacePaths(io.workspace.dataDir);
  const file = await loadServersFile(paths.serversFile, io.env);
  const errors = file.errors.map(formatSourceError);
  for (const e of errors) io.stderr.write(`${e}\n`);

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
      io.stderr.write('EC2 instances not listed: nothing is cached yet (run `infradeck scan`)\n');
    }
  }
  const keyFiles = new Map<string, string>();
  for (const name of new Set(instances.flatMap((r) => (r.refs.keyPair ? [r.refs.keyPair] : [])))) {
    const found = await findKeyFile(name, io.env);
    if (found) keyFiles.set(name, found);
  }
  const rows = serverRows(file.hosts, instances, { keyFiles });

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
          errors,
          serversFile: file.exists ? paths.serversFile : undefined,
        },
        null,
        2,
      )}\n`,
    );
  } else if (rows.length === 0) {
    io.stdout.write(
      `No servers. List SSH hosts in ${paths.serversFile}, or scan AWS (infradeck scan) to see EC2 instances.\n`,
    );
  } else {
    printTable(
      io.stdout,
      ['NAME', 'SOURCE', 'HOST', 'PORT', 'STATE', 'REACH', 'LATENCY', 'SSH'],
      rows.map((r) => {
        const p = probes.get(r.key);
        return [
          fitWidth(stripControl(r.name), 28).trimEnd(),
          r.source === 'ec2' ? `ec2 ${r.region}` : 'servers.yaml',
          r.host ?? '-',
          String(r.port),
          stripControl(r.state ?? ''),
          p ? (p.ok ? 'up' : 'down') : '-',
          p?.ok ? `${p.latencyMs.toFixed(1)} ms` : '',
          r.ssh.ok ? r.ssh.argv.join(' ') : stripControl(r.ssh.error),
        ];
      }),
    );
    for (const r of rows) {
      const p = probes.get(r.key);
      if (p && !p.ok) io.stderr.write(`${r.name}: ${p.error}\n`);
    }
  }
  return errors.length > 0 ? exitCodes.usage : exitCodes.ok;
}
