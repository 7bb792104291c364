import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BatchFile, parseBatchFile } from '../../domain/batchSource';
import type { BadServerEntry, ServerRow, TargetInputs } from '../../domain/batchTargets';
import type { Resource } from '../../domain/resource';
import { formatSourceError } from '../../domain/sourceError';
import { loadServersFile } from '../servers/serversFile';
import type { Env } from '../storage/userPath';
import { isYamlName } from '../storage/watchFiles';
import { workspacePaths } from '../storage/workspace';
import { fileErrorReason } from '../storage/yamlFile';

/** Every `batches/*.yaml` of the workspace, by file name, each read and checked (no folder: none). Never throws. */
export async function loadBatchFiles(dataDir: string): Promise<BatchFile[]> {
  const dir = workspacePaths(dataDir).batchesDir;
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isYamlName).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return [
      {
        ok: false,
        file: dir,
        errors: [{ file: dir, line: 0, column: 0, path: '', message: fileErrorReason(error) }],
      },
    ];
  }
  return Promise.all(
    names.map(async (name): Promise<BatchFile> => {
      const file = join(dir, name);
      try {
        return parseBatchFile(file, await readFile(file, 'utf8'));
      } catch (error) {
        return {
          ok: false,
          file,
          errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(error) }],
        };
      }
    }),
  );
}

/**
 * What batch targets are chosen from: the valid hosts of the workspace's `servers.yaml` and the given resources
 * (the resource index: the console's, or the scan cache's for the CLI). `errors`: servers.yaml's problems,
 * formatted. Its bad entries come too, so that a batch naming one (or that may select one) is refused.
 */
export async function batchTargetInputs(
  dataDir: string,
  resources: readonly Resource[],
  env: Env = process.env,
): Promise<{ inputs: TargetInputs; errors: string[] }> {
  const servers = await loadServersFile(workspacePaths(dataDir).serversFile, env);
  const rows: ServerRow[] = servers.hosts.map((h) => ({ ...h }));
  const badServers: BadServerEntry[] = servers.invalid.map(({ name, project, tags, errors }) => ({
    ...(name !== undefined ? { name } : {}),
    ...(project !== undefined ? { project } : {}),
    ...(tags !== undefined ? { tags } : {}),
    problem: `${errors[0] ? formatSourceError(errors[0]) : 'a problem'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
  }));
  const errors = servers.errors.map(formatSourceError);
  const notRead = !servers.readable && errors[0] ? { serversNotRead: errors[0] } : {};
  return { inputs: { servers: rows, badServers, resources, ...notRead }, errors };
}
