import { execFileSync } from 'node:child_process';

let cached: string[] | undefined;

/**
 * The OS groups this process's user belongs to (`id -Gn`: it asks NSS, so LDAP and sssd groups are there too), read
 * once per process. None when `id` is missing or fails.
 *
 * `INFRADECK_TEST_GROUPS` (comma-separated, may be empty) replaces them: it is for tests only, which play several
 * users on one machine (`USER` already sets the user). It proves nothing to a worker; signed requests do.
 */
export function requesterGroups(env: NodeJS.ProcessEnv = process.env): string[] {
  const test = env.INFRADECK_TEST_GROUPS;
  if (test !== undefined) return splitGroups(test.replaceAll(',', ' '));
  if (cached === undefined) {
    try {
      cached = splitGroups(
        execFileSync('id', ['-Gn'], {
          encoding: 'utf8',
          timeout: 2_000,
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
    } catch {
      cached = [];
    }
  }
  return cached;
}

function splitGroups(text: string): string[] {
  return [...new Set(text.split(/\s+/).filter((g) => g.length > 0 && g.length <= 200))].slice(0, 1000);
}
