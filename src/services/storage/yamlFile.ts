// Reading the YAML files people write; the parsing itself (positions, located errors) is domain/yamlSource.ts.
import { readFile } from 'node:fs/promises';
import type { ZodType } from 'zod';
import { parseYamlFile, type YamlParseOptions, type YamlParseResult } from '../../domain/yamlSource';

/** Reads and parses a YAML file; a file that cannot be read is one error at line 0 saying why. */
export async function readYamlFile<T>(
  path: string,
  schema: ZodType<T>,
  options: YamlParseOptions = {},
): Promise<YamlParseResult<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return {
      ok: false,
      errors: [{ file: path, line: 0, column: 0, path: '', message: fileErrorReason(err) }],
    };
  }
  return parseYamlFile(path, text, schema, options);
}

/** The OS reason a file could not be read, in plain words (`no such file`, `permission denied`). */
export function fileErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a parent of this path is not a folder';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
