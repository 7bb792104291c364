/** Deletes every key under `<prefix>:` at `redisUrl`: what a benchmark leaves in Redis. */
export function deletePrefix(redisUrl: string, prefix: string): Promise<void>;
