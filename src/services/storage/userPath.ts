import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export type Env = Record<string, string | undefined>;

/** The home folder: `$HOME` when set (so tests and sudo -E behave), else the OS's answer. */
export function homeFolder(env: Env): string {
  return env.HOME || homedir();
}

/** `~` and `~/x` become the home folder; other paths resolve against `base` (absolute ones stay). */
export function resolveUserPath(path: string, base: string, env: Env): string {
  if (path === '~') return homeFolder(env);
  if (path.startsWith('~/')) return join(homeFolder(env), path.slice(2));
  return resolve(base, path);
}

/** An XDG base folder: the variable when it holds an absolute path (the spec says ignore others). */
export function xdgFolder(env: Env, variable: string, fallback: string): string {
  const value = env[variable];
  return value && isAbsolute(value) ? value : join(homeFolder(env), fallback);
}
