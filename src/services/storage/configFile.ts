import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configSchema, type DeckConfig, defaultConfig } from '../../domain/config';
import type { SourceError } from '../../domain/sourceError';
import { formatPath, parseYamlValues } from '../../domain/yamlSource';
import { type Env, xdgFolder } from './userPath';
import { fileErrorReason } from './yamlFile';

/** `$XDG_CONFIG_HOME/infradeck/config.yaml`, else `~/.config/infradeck/config.yaml`. */
export function defaultConfigPath(env: Env = process.env): string {
  return join(xdgFolder(env, 'XDG_CONFIG_HOME', '.config'), 'infradeck', 'config.yaml');
}

export interface LoadedConfig {
  config: DeckConfig;
  /** Problems to show; the app starts anyway, each bad value replaced by its default. */
  errors: SourceError[];
  /** The file that was (or would have been) read. */
  path: string;
  /**
   * A located error for a value of the file (its nearest parent when it is not there), for what is checked once
   * the console knows more: an action id or a key of `keys:`.
   */
  errorAt(path: readonly (string | number)[], message: string): SourceError;
}

export interface LoadConfigOptions {
  /** The path came from `--config`: a missing file is then an error, not "use the defaults". */
  explicit: boolean;
  /** Where `defaultConfigPath` looks when `path` is undefined (default: process.env). */
  env?: Env;
}

/**
 * Reads the user's config file. Never throws and never writes. A bad value costs only itself: it is reported
 * with its position and its default applies, every other value of the file still does. A file that is not
 * YAML at all (a syntax error) applies nothing, and says so.
 */
export async function loadConfig(
  path: string | undefined,
  options: LoadConfigOptions,
): Promise<LoadedConfig> {
  const file = path ?? defaultConfigPath(options.env ?? process.env);
  const defaults = (): DeckConfig => structuredClone(defaultConfig);
  const nowhere = (at: readonly (string | number)[], message: string): SourceError => ({
    file,
    line: 0,
    column: 0,
    path: formatPath(at),
    message,
  });

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !options.explicit) {
      return { config: defaults(), errors: [], path: file, errorAt: nowhere };
    }
    const reason = fileErrorReason(err);
    const message = options.explicit && code === 'ENOENT' ? `${reason} (given with --config)` : reason;
    return { config: defaults(), errors: [nowhere([], message)], path: file, errorAt: nowhere };
  }

  // An empty file (or one holding only comments) means "all defaults".
  const result = parseYamlValues(file, text, configSchema, defaults(), { empty: {} });
  // The note goes first: the newest problem, which the message line shows, is then the one to fix.
  const errors = result.applied
    ? result.errors
    : [
        nowhere([], 'nothing in this file applies, the defaults are in use until this is fixed:'),
        ...result.errors,
      ];
  return { config: result.value, errors, path: file, errorAt: result.errorAt };
}
