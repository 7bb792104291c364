import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
      .superRefine((servers, ctx) => {
        const seen = new Map<string, number>();
        for (const [i, s] of servers.entries()) {
          const first = seen.get(s.name);
          if (first !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: [i, 'name'],
              message: `"${s.name}" is already the name of servers[${first}]; names must be unique`,
            });
          } else seen.set(s.name, i);
        }
      }),
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

export interface ServersFile {
  hosts: ServerHost[];
  /** Located problems (`file:line:col`); with any, `hosts` is empty: a half-read file would mislead. */
  errors: SourceError[];
  /** False when the file does not exist (that is not an error: EC2 instances are still listed). */
  exists: boolean;
}

/** Parses `servers.yaml` text; never throws. */
export function parseServersFile(file: string, text: string, env: Env = process.env): ServersFile {
  const parsed = parseYamlFile(file, text, serversFileSchema, { empty: {} });
  if (!parsed.ok) return { hosts: [], errors: parsed.errors, exists: true };
  const base = dirname(file);
  return {
    hosts: parsed.value.servers.map((s) => ({
      name: s.name,
      host: s.host.replace(/^\[(.*)\]$/, '$1'),
      port: s.port,
      ...(s.user ? { user: s.user } : {}),
      ...(s.identityFile ? { identityFile: resolveUserPath(s.identityFile, base, env) } : {}),
      tags: s.tags ?? {},
      ...(s.project ? { project: s.project } : {}),
    })),
    errors: [],
    exists: true,
  };
}

/** Reads the workspace's `servers.yaml`. A missing file is no hosts and no error. */
export async function loadServersFile(file: string, env: Env = process.env): Promise<ServersFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { hosts: [], errors: [], exists: false };
    return {
      hosts: [],
      errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(err) }],
      exists: true,
    };
  }
  return parseServersFile(file, text, env);
}
