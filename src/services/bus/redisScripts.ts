import type { Redis } from 'ioredis';

/** A Lua script as an ioredis command: how many of its arguments are keys, and its source. */
export interface ScriptSpec {
  numberOfKeys: number;
  lua: string;
}

/**
 * `conn` with these scripts as commands (EVALSHA, loaded on first use), defined once per connection: the first
 * name tells whether they are there already.
 */
export function withScripts<T extends Redis>(conn: Redis, scripts: Record<string, ScriptSpec>): T {
  const names = Object.keys(scripts);
  if (typeof (conn as unknown as Record<string, unknown>)[names[0]] !== 'function') {
    for (const name of names) conn.defineCommand(name, scripts[name]);
  }
  return conn as T;
}
