import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import type { SourceError } from '../../domain/sourceError';
import { parseYamlFile } from '../../domain/yamlSource';
import { type Env, resolveUserPath } from '../storage/userPath';
import { fileErrorReason } from '../storage/yamlFile';

/** A host name or an IPv4/IPv6 address; never something ssh could take for an option. */
const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[?[0-9A-Fa-f:.]+\]?)$/,
    'not a host name or IP address',
  );

const serverSchema = z
  .object({
    /** Shown in the Servers table; unique in the file. */
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^\s/][^/]*$/, 'must not be empty, start with a space, or contain "/"'),
    host: hostSchema,
    port: z.number().int().min(1).max(65_535).default(22),
    user: z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'not a user name (letters, digits, . _ -)')
      .optional(),
    /** The private key: relative to the workspace folder, absolute, or starting with `~`. */
    identityFile: z.string().min(1).max(4096).optional(),
    tags: z.record(z.string(), z.string()).optional(),
    project: z.string().min(1).max(256).optional(),
  })
  .strict();

export const serversFileSchema = z
  .object({
    servers: z
      .array(serverSchema)
      .default([])
      .superRefine(
        (servers, ctx) => {
          const seen = new Map<string, number>();
          for (const [i, s] of servers.entries()) {
            // Also run over entries with problems (`when`): a name a bad entry has is taken, so no later entry is
            // taken for it.
            const name = (s as { name?: unknown } | null)?.name;
            if (typeof name !== 'string') continue;
            const first = seen.get(name);
            if (first !== undefined) {
              ctx.addIssue({
                code: 'custom',
                path: [i, 'name'],
                message: `"${name}" is already the name of servers[${first}]; names must be unique`,
              });
            } else seen.set(name, i);
          }
        },
        { when: (payload) => Array.isArray(payload.value) },
      ),
  })
  .strict();

export type ServerEntry = z.output<typeof serversFileSchema>['servers'][number];

/** A plain SSH host of `servers.yaml`, its key path resolved. */
export interface ServerHost {
  name: string;
  host: string;
  port: number;
  user?: string;
  identityFile?: string;
  tags: Record<string, string>;
  project?: string;
}

/** An entry of `servers.yaml` with problems: left out of the hosts, and what a batch needs to tell it apart. */
export interface InvalidServer {
  /** Its place in the list (`servers[index]`). */
  index: number;
  /** Its name, project and tags as written (when it is a map): a batch that names it, or may select it, is refused. */
  name?: string;
  project?: unknown;
  tags?: unknown;
  errors: SourceError[];
}

export interface ServersFile {
  /** The valid entries, in file order. */
  hosts: ServerHost[];
  /** Every located problem (`file:line:col`), those of the invalid entries included. */
  errors: SourceError[];
  /** Entries with problems: each costs only itself, the others are in `hosts`. */
  invalid: InvalidServer[];
  /**
   * False when the file as a whole could not be read (not YAML, a top level that is not `servers:` with a list,
   * not readable): then no host of it is listed, since nothing in it can be trusted.
   */
  readable: boolean;
  /** False when the file does not exist (that is not an error: EC2 instances are still listed). */
  exists: boolean;
}

const entryPath = /^servers\[(\d+)\]/;

/**
 * Parses `servers.yaml` text; never throws. A problem in one entry leaves out only that entry: the others are
 * hosts. A syntax error or a problem outside the list leaves out every entry (`readable: false`).
 */
export function parseServersFile(file: string, text: string, env: Env = process.env): ServersFile {
  const parsed = parseYamlFile(file, text, serversFileSchema, { empty: {} });
  if (parsed.ok) {
    const hosts = parsed.value.servers.map((s) => hostOf(s, file, env));
    return { hosts, errors: [], invalid: [], readable: true, exists: true };
  }
  const byEntry = new Map<number, SourceError[]>();
  for (const error of parsed.errors) {
    const index = entryPath.exec(error.path)?.[1];
    if (index === undefined)
      return { hosts: [], errors: parsed.errors, invalid: [], readable: false, exists: true };
    byEntry.set(Number(index), [...(byEntry.get(Number(index)) ?? []), error]);
  }
  // Every problem is inside an entry, so the text is YAML with a `servers:` list: take its good entries.
  const raw = (
    parse(text, { uniqueKeys: false, logLevel: 'silent', maxAliasCount: 1000 }) as { servers: unknown[] }
  ).servers;
  const hosts: ServerHost[] = [];
  const invalid: InvalidServer[] = [];
  for (const [index, entry] of raw.entries()) {
    const errors = byEntry.get(index);
    const checked = errors ? undefined : serverSchema.safeParse(entry);
    if (checked?.success) {
      hosts.push(hostOf(checked.data, file, env));
      continue;
    }
    const map = entry !== null && typeof entry === 'object' && !Array.isArray(entry);
    const { name, project, tags } = map ? (entry as Record<string, unknown>) : {};
    invalid.push({
      index,
      ...(typeof name === 'string' ? { name } : {}),
      ...(project !== undefined ? { project } : {}),
      ...(tags !== undefined ? { tags } : {}),
      errors: errors ?? [],
    });
  }
  return { hosts, errors: parsed.errors, invalid, readable: true, exists: true };
}

function hostOf(s: ServerEntry, file: string, env: Env): ServerHost {
  return {
    name: s.name,
    host: s.host.replace(/^\[(.*)\]$/, '$1'),
    port: s.port,
    ...(s.user ? { user: s.user } : {}),
    ...(s.identityFile ? { identityFile: resolveUserPath(s.identityFile, dirname(file), env) } : {}),
    tags: s.tags ?? {},
    ...(s.project ? { project: s.project } : {}),
  };
}

/** Reads the workspace's `servers.yaml`. A missing file is no hosts and no error. */
export async function loadServersFile(file: string, env: Env = process.env): Promise<ServersFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { hosts: [], errors: [], invalid: [], readable: true, exists: false };
    return {
      hosts: [],
      errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(err) }],
      invalid: [],
      readable: false,
      exists: true,
    };
  }
  return parseServersFile(file, text, env);
}
