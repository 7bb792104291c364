import { hostname, userInfo } from 'node:os';
import type { Requester } from '../../domain/job';
import { requesterGroups } from '../access/osGroups';

/** The person this process acts for: OS user, host name, and `SSH_CLIENT` when logged in over SSH. */
export function currentRequester(env: NodeJS.ProcessEnv = process.env): Requester {
  let user = env.USER || env.LOGNAME || env.USERNAME || '';
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = `uid-${process.getuid?.() ?? 'unknown'}`;
    }
  }
  const sshClient = env.SSH_CLIENT?.trim();
  const groups = requesterGroups(env);
  return {
    user,
    host: hostname(),
    ...(sshClient ? { sshClient } : {}),
    ...(groups.length ? { groups } : {}),
  };
}

/** `alice@jump1 (ssh 10.0.0.5)` */
export function describeRequester(who: Requester): string {
  const ssh = who.sshClient ? ` (ssh ${who.sshClient.split(' ')[0]})` : '';
  return `${who.user}@${who.host}${ssh}`;
}
