import { parseArgs } from 'node:util';
import type { Resource } from '../domain/resource';
import { formatSourceError } from '../domain/sourceError';
import { fitWidth, stripControl } from '../domain/text';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { mapLimit } from '../services/cloud/retry';
import { readAccountCache } from '../services/cloud/scanCache';
import { type ProbeResult, probeTcp } from '../services/servers/probeTcp';
import { type ServerRow, serverRows } from '../services/servers/serverRows';
import { loadServersFile } from '../services/servers/serversFile';
import { findKeyFile } from '../services/servers/sshArgv';
import { workspacePaths } from '../services/storage/workspace';
import { type CloudCommandIO, CommandCloud, cacheAccount } from './cloudJob';
import { printTable } from './printTable';

const usage = 'usage: infradeck servers [--no-probe] [--timeout MS] [--account ID] [--json]';

/** Worth probing: a host of the file, or an instance that runs (a stopped one would only time out). */
export function probeable(row: ServerRow): boolean {
  return row.host !== undefined && (row.source === 'servers.yaml' || row.state === 'running');
}

/**
 * `infradeck servers [--no-probe] [--json]`: the hosts of `servers.yaml` and the EC2 instances of the last
 * scan, each probed once on its SSH port (TCP connect), with the ssh command that reaches it. Exit 0; 2 when
 * `servers.yaml` has errors (they are printed with file:line:col, and the instances are still listed).
 */
export async function serversCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let values: { 'no-probe'?: boolean; timeout?: string; account?: string; json?: boolean };
  let timeoutMs = 2_000;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'no-probe': { type: 'boolean' },
        timeout: { type: 'string' },
        account: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
    if (values.timeout !== undefined) {
      timeoutMs = Number(values.timeout);
      if (!(Number.isInteger(timeoutMs) && timeoutMs >= 10 && timeoutMs <= 60_000)) {
        throw new Error(`--timeout ${values.timeout}: not a number of milliseconds from 10 to 60000`);
      }
    }
  } catch (error) {
    io.stderr.write(`infradeck servers: ${(error as Error).message}\n${usage}\n`);
    return exitCodes.usage;
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
