import { defaultStaleAfterMs } from '../domain/cloudJobs';
import {
  isStale,
  parseResourceType,
  type Resource,
  ResourceIndex,
  type ResourceQuery,
  type ResourceType,
  resourceTypes,
} from '../domain/resource';
import { fitWidth, formatAge, formatAgo, stripControl } from '../domain/text';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { readAccountCache } from '../services/cloud/scanCache';
import { workspacePaths } from '../services/storage/workspace';
import { type CloudCommandIO, CommandCloud, cacheAccount } from './cloudJob';
import { declareCommand, parseCommand, usageError } from './declaration';
import { printTable, terminalWidth } from './printTable';
import { parseRegionsFlag } from './regionsFlag';

export const resourcesDeclaration = declareCommand({
  name: 'resources',
  summary: 'resources from the last scan',
  description:
    'From the workspace cache: no cloud call but "who am I", to pick the account\'s cache. Says when the cache ' +
    'is missing, stale or unreadable, and how to fill it.',
  args: [],
  flags: {
    type: {
      type: 'string',
      short: 't',
      value: 'T,T',
      help: `only these types (${resourceTypes.join(', ')}; or ec2, sg, s3, igw, rtb, ebs, key)`,
    },
    project: { type: 'string', short: 'p', value: 'P', help: 'only the resources tagged with this project' },
    regions: { type: 'string', short: 'r', value: 'R,R', help: 'only these regions' },
    filter: {
      type: 'string',
      short: 'f',
      value: 'WORDS',
      help: 'only resources whose fields contain these words',
    },
    account: {
      type: 'string',
      value: 'ID',
      help: "this account's cache (default: the credentials' account)",
    },
    'stale-after': {
      type: 'string',
      value: 'MINUTES',
      help: `a scan older than this is called stale (default ${defaultStaleAfterMs / 60_000})`,
    },
    raw: { type: 'boolean', help: "with --json: each resource's raw AWS description too" },
    json: { type: 'boolean', help: 'the scans and resources as JSON' },
  },
  exits: {
    0: 'ok',
    1: 'nothing is cached for the account',
    2: 'bad arguments (a --regions name that is not an AWS region too)',
  },
  run: resourcesCommand,
});

/** `infradeck resources [--type T] [--project P] [--regions R] [--filter WORDS] [--json]`: the cached scan. */
export async function resourcesCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError(resourcesDeclaration, io, error);
  }
  const { values, query, staleAfterMs } = parsed;
  const checked = await parseRegionsFlag(values.regions, io.workspace.dataDir);
  if ('error' in checked) return usageError(resourcesDeclaration, io, checked.error);
  const { regions } = checked;
  const json = wantsJson(io, values.json);
  const cloud = new CommandCloud(io);
  const choice = await cacheAccount(io, cloud, values.account);
  if ('error' in choice) {
    io.stderr.write(`infradeck resources: ${choice.error}\n`);
    return exitCodes.failed;
  }
  if (choice.note && !json) io.stderr.write(`${choice.note}\n`);
  const cacheDir = workspacePaths(io.workspace.dataDir).cacheDir;
  const { scans, problems } = await readAccountCache(cacheDir, choice.account);
  for (const p of problems) io.stderr.write(`${p} (infradeck scan)\n`);
  if (scans.length === 0) {
    io.stderr.write(
      `nothing is cached for account ${choice.account} in ${cacheDir}: run \`infradeck scan\` ` +
        '(or scan from the Resources screen) to fill it\n',
    );
    if (json)
      io.stdout.write(
        `${JSON.stringify({ account: choice.account, scans: [], resources: [], problems }, null, 2)}\n`,
      );
    return exitCodes.failed;
  }

  const now = Date.now();
  const index = ResourceIndex.fromScans(scans);
  const rows = index
    .query(query)
    .filter((r) => !regions || regions.includes(r.region))
    .sort(byRegionTypeName);
  const stale = scans.filter((s) => isStale(s, now, staleAfterMs));
  const oldest = Math.min(...scans.map((s) => s.scannedAt));
  if (json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          account: choice.account,
          scans: scans.map((s) => ({
            region: s.region,
            scannedAt: s.scannedAt,
            resources: s.resources.length,
            stale: isStale(s, now, staleAfterMs),
          })),
          resources: values.raw ? rows : rows.map(({ raw: _raw, ...r }) => r),
          problems,
        },
        null,
        2,
      )}\n`,
    );
    return exitCodes.ok;
  }
  if (rows.length === 0) io.stdout.write('No resources match.\n');
  else {
    printTable(
      io.stdout,
      ['TYPE', 'ID', 'NAME', 'REGION', 'STATE', 'PROJECT', 'AGE', 'DETAIL'],
      rows.map((r) => [
        r.type,
        r.id,
        fitWidth(stripControl(r.name ?? ''), 28).trimEnd(),
        r.region,
        r.state ?? '',
        stripControl(r.project ?? ''),
        r.createdAt ? formatAge(now - r.createdAt) : '',
        stripControl(r.detail),
      ]),
      // The detail is cut first, then the age and project go; type, id, name, region and state stay whole.
      {
        width: terminalWidth(io),
        giveWay: [
          { column: 'DETAIL', min: 16 },
          { column: 'AGE', hide: true },
          { column: 'DETAIL', hide: true },
          { column: 'PROJECT', hide: true },
        ],
      },
    );
  }
  io.stderr.write(
    `${rows.length} of ${index.size} resources in ${scans.length} scopes; oldest scan ${formatAgo(now - oldest)}\n`,
  );
  if (stale.length > 0) {
    io.stderr.write(
      `stale (scanned more than ${Math.round(staleAfterMs / 60_000)} min ago): ` +
        `${stale.map((s) => `${s.region} ${formatAgo(now - s.scannedAt)}`).join(', ')}; ` +
        `rescan with \`infradeck scan${
          stale.length < scans.length
            ? ` --regions ${stale
                .filter((s) => s.region !== 'global')
                .map((s) => s.region)
                .join(',')}`
            : ''
        }\`\n`,
    );
  }
  return exitCodes.ok;
}

function parse(argv: string[]) {
  const { values } = parseCommand(resourcesDeclaration, argv);
  const query: ResourceQuery = {};
  if (values.type !== undefined) {
    const types: ResourceType[] = [];
    for (const word of values.type.split(',')) {
      const t = parseResourceType(word);
      if (!t)
        throw new Error(
          `--type ${word}: not a resource type (${resourceTypes.join(', ')}; or ec2, sg, s3, igw, rtb, ebs, key)`,
        );
      types.push(t);
    }
    query.type = types.length === 1 ? types[0] : types;
  }
  if (values.project !== undefined) query.project = values.project;
  if (values.filter !== undefined) query.text = values.filter;
  let staleAfterMs = defaultStaleAfterMs;
  if (values['stale-after'] !== undefined) {
    const minutes = Number(values['stale-after']);
    if (!(minutes > 0 && minutes <= 525_600))
      throw new Error(`--stale-after ${values['stale-after']}: not a number of minutes`);
    staleAfterMs = minutes * 60_000;
  }
  return { values, query, staleAfterMs };
}

function byRegionTypeName(a: Resource, b: Resource): number {
  return (
    a.region.localeCompare(b.region) ||
    resourceTypes.indexOf(a.type) - resourceTypes.indexOf(b.type) ||
    (a.name ?? '').localeCompare(b.name ?? '') ||
    a.id.localeCompare(b.id)
  );
}
