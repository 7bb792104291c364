import { resolve } from 'node:path';
import type { DeckConfig } from './domain/config';
import { formatSourceError } from './domain/sourceError';
import { readAllRepoStatus, readRepoDetails } from './services/git/gitRepo';
import { defaultConfigPath, loadConfig } from './services/storage/configFile';
import { defaultDataDir, loadRepoEntries } from './services/storage/workspace';
import type { DeckServices } from './state/deckServices';

export interface WorkspaceOptions {
  dataDir?: string;
  configPath?: string;
  env: NodeJS.ProcessEnv;
}

export interface Workspace {
  dataDir: string;
  configPath: string;
  config: DeckConfig;
  /** Problems in config.yaml, already formatted `file:line:col: path: message`. */
  configErrors: string[];
  services: DeckServices;
}

/** Loads the config and wires the services every caller (console or headless command) uses. */
export async function openWorkspace(opts: WorkspaceOptions): Promise<Workspace> {
  const dataDir = resolve(opts.dataDir ?? opts.env.INFRADECK_DATA ?? defaultDataDir(opts.env));
  const configPath = resolve(opts.configPath ?? defaultConfigPath(opts.env));
  const loaded = await loadConfig(configPath, { explicit: opts.configPath !== undefined });
  const config = loaded.config;

  const services: DeckServices = {
    repos: {
      list: async () => {
        const { entries, errors } = await loadRepoEntries(dataDir, config);
        const rows = await readAllRepoStatus(entries);
        return { rows, errors: errors.map(formatSourceError) };
      },
      details: (entry) => readRepoDetails(entry),
    },
  };
  return { dataDir, configPath, config, configErrors: loaded.errors.map(formatSourceError), services };
}
