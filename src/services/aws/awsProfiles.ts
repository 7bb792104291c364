import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A profile's settings from `~/.aws/config` and `~/.aws/credentials` (secrets are never read out of here). */
export type AwsProfileSettings = Record<string, string>;

export interface AwsProfiles {
  configFile: string;
  credentialsFile: string;
  profiles: Map<string, AwsProfileSettings>;
}

function parseIni(text: string, isConfig: boolean, into: Map<string, AwsProfileSettings>): void {
  let current: AwsProfileSettings | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      const name = section[1].trim();
      let profile: string | undefined;
      if (!isConfig) profile = name;
      else if (name === 'default') profile = 'default';
      else if (name.startsWith('profile ')) profile = name.slice('profile '.length).trim();
      if (profile) {
        current = into.get(profile) ?? {};
        into.set(profile, current);
      } else current = undefined;
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0 && !rawLine.startsWith(' ') && !rawLine.startsWith('\t')) {
      const key = line.slice(0, eq).trim().toLowerCase();
      // Only the keys that say what kind of profile this is; never the secrets themselves.
      if (key === 'aws_secret_access_key' || key === 'aws_session_token') current[key] = '(set)';
      else current[key] = line.slice(eq + 1).trim();
    }
  }
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** The named profiles of the shared config and credentials files (honours AWS_CONFIG_FILE and friends). */
export async function readAwsProfiles(env: NodeJS.ProcessEnv = process.env): Promise<AwsProfiles> {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  const configFile = env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config');
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials');
  const profiles = new Map<string, AwsProfileSettings>();
  parseIni(await readOptional(configFile), true, profiles);
  parseIni(await readOptional(credentialsFile), false, profiles);
  return { configFile, credentialsFile, profiles };
}

export function isSsoProfile(settings: AwsProfileSettings | undefined): boolean {
  return Boolean(settings && (settings.sso_session || settings.sso_start_url));
}
