import type { Requester } from './job';

const schedulePrefix = 'schedule:';

/**
 * Who asks for a tick's job: `schedule:NAME`, which no OS account can be called (`:` separates the fields of
 * /etc/passwd), so a scheduled job is told from a person's by its requester alone.
 */
export function scheduleRequester(name: string, host: string): Requester {
  return { user: `${schedulePrefix}${name}`, host };
}

/** The schedule a requester stands for, when it is one. */
export function scheduleOfRequester(who: Requester | undefined): string | undefined {
  return who?.user.startsWith(schedulePrefix) ? who.user.slice(schedulePrefix.length) : undefined;
}
