import type { RedisOptions } from 'ioredis';

export interface RedisTarget {
  options: RedisOptions;
  /** `rediss://deploy@cache.internal:6380/2`: for people, never with the password. */
  display: string;
}

/**
 * Read a `REDIS_URL`: `redis://` or `rediss://` (TLS, certificate checked against the host name),
 * optional ACL `user:password@` (URL-encoded), port (default 6379) and `/db`. A malformed URL is refused with
 * what is wrong; the password never appears in a message.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `REDIS_URL is not a URL (expected redis://[user:password@]host[:port][/db] or rediss://…)`,
    );
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw new Error(`REDIS_URL: scheme "${scheme}" is not supported (use redis:// or rediss:// for TLS)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new Error('REDIS_URL has no host');
  const port = parsed.port ? Number(parsed.port) : 6379;
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) {
    throw new Error(`REDIS_URL: "/${dbText}" is not a database number`);
  }
  const db = dbText === '' ? 0 : Number(dbText);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const options: RedisOptions = {
    host,
    port,
    db,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(scheme === 'rediss' ? { tls: { servername: host } } : {}),
  };
  const who = username ? `${username}@` : '';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { options, display: `${scheme}://${who}${shownHost}:${port}${db ? `/${db}` : ''}` };
}
