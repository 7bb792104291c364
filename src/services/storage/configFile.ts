import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configSchema, type DeckConfig, defaultConfig } from '../../domain/config';
import type { SourceError } from '../../domain/sourceError';
import { parseYamlFile } from '../../domain/yamlSource';
import { type Env, xdgFolder } from './userPath';
import { fileErrorReason } from './yamlFile';

/** `$XDG_CONFIG_HOME/infradeck/config.yaml`, else `~/.config/infradeck/config.yaml`. */
export function defaultConfigPath(env: Env = process.env): string {
  return join(xdgFolder(env, 'XDG_CONFIG_HOME', '.config'), 'infradeck', 'config.yaml');
}

export interface LoadedConfig {
  config: DeckConfig;
  /** Problems to show; the app starts anyway (with the defaults when the file is bad). */
  errors: SourceError[];
  /** The file that was (or would have been) read. */
  path: string;
}

export interface LoadConfigOptions {
  /** The path came from `--config`: a missing file is then an error, not "use the defaults". */
  explicit: boolean;
  /** Where `defaultConfigPath` looks when `path` is undefined (default: process.env). */
  env?: Env;
}

/**
 * Reads the user's config file. Never throws and never writes. A bad file yields the defaults for the
 * whole file plus located errors, so one typo cannot half-apply a config.
 */
export async function loadConfig(
  path: string | undefined,
  options: LoadConfigOptions,
): Promise<LoadedConfig> {
  const file = path ?? defaultConfigPath(options.env ?? process.env);
  const defaults = (): DeckConfig => structuredClone(defaultConfig);

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !options.explicit) {
      return { config: defaults(), errors: [], path: file };
    }
    const reason = fileErrorReason(err);
    const message = options.explicit && code === 'ENOENT' ? `${reason} (given with --config)` : reason;
    return { config: defaults(), errors: [{ file, line: 0, column: 0, path: '', message }], path: file };
  }

  // An empty file (or one holding only comments) means "all defaults".
  const result = parseYamlFile(file, text, configSchema, { empty: {} });
  if (result.ok) return { config: result.value, errors: [], path: file };
  return { config: defaults(), errors: result.errors, path: file };
}
