import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from '../cloud/retry';

/**
 * kill(2) to a whole process group; `gone` when nothing of it is left. `gone` (ESRCH) is how every job ends, so the
 * error is made without a stack trace: capturing one costs more than the system call, on the path from the
 * program's exit to the job's completion.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): 'sent' | 'gone' | 'denied' {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pgid, signal);
    return 'sent';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'denied' : 'gone';
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * Whether any process of the group still runs. Zombies do not count: killed children are re-parented to
 * PID 1, which in a container may never reap them, and `kill(-pgid, 0)` alone would then say "alive" forever.
 */
export function groupAlive(pgid: number): boolean {
  const sent = signalGroup(pgid, 0);
  if (sent !== 'sent') return sent === 'denied';
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true; // no /proc (macOS): trust kill()
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // fields after the command name: state ppid pgrp …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    } catch {
      // exited while we looked
    }
  }
  return false;
}

/** SIGTERM what is left of the group, SIGKILL it after the grace period, and wait until it is gone. */
export async function endGroup(pgid: number, killGraceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + killGraceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(25);
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && groupAlive(pgid); i++) await sleep(25);
}
