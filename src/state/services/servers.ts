import type { Resource } from '../../domain/resource';

/** A row of the Servers screen: a host of servers.yaml or an EC2 instance. */
export interface ServerView {
  /** `host:NAME` or `ec2:REGION/ID`. */
  key: string;
  source: 'servers.yaml' | 'ec2';
  name: string;
  /** What is probed and ssh'd to; absent when there is none (a stopped instance, the demo cloud). */
  host?: string;
  port: number;
  state?: string;
  region?: string;
  instanceId?: string;
  project?: string;
  detail: string;
  /** servers.yaml's `tags:`, an instance's AWS tags. */
  tags?: Record<string, string>;
  /** The `ssh` argument array, or why there is none. */
  ssh: { ok: true; argv: string[] } | { ok: false; error: string };
}

/**
 * Reachability of one server: latencies of the last probes (NaN = no answer) and the last result; a failed
 * one says why in a sentence (`error`) and in a word or two (`short`: `refused`, `timed out`, `no DNS`).
 */
export interface ServerReach {
  samples: number[];
  last?: { ok: boolean; latencyMs?: number; error?: string; short?: string; at: number };
}

/** How an ssh session ended: its exit code and the last lines ssh itself wrote (its `-E` log), for a failure. */
export interface SshOutcome {
  code: number;
  /** False when ssh never ran (not installed): the terminal runner already said why. */
  started: boolean;
  /** ssh's own diagnostics, last lines, control characters removed; empty when it said nothing. */
  lines: string[];
}

/** Hands the terminal to a program and takes it back; resolves with its exit code. */
export type TerminalRunner = (program: string, args: string[]) => Promise<number>;

/** What `list` found: the rows, and servers.yaml's problems (`file:line:col: path: message`). */
export interface ServerList {
  rows: ServerView[];
  errors: string[];
  /** The entries of servers.yaml left out for their problems (each costs only itself: the others are rows). */
  badEntries?: number;
  /** False when servers.yaml as a whole could not be read (not YAML, a wrong top level): none of its hosts is a row. */
  fileRead?: boolean;
}

export interface DeckServers {
  /** servers.yaml plus the instances; `demo`: the instances are pretend and are neither probed nor ssh'd to. */
  list(instances: readonly Resource[], demo: boolean): Promise<ServerList>;
  /** Probes the rows' SSH ports on a timer; calls back after every round. Returns the stop. */
  probe(rows: readonly ServerView[], onRound: (reach: Record<string, ServerReach>) => void): () => void;
  /**
   * Runs `argv` (an ssh command) in the terminal with ssh's own diagnostics sent to a file: the remote session
   * keeps the screen, and ssh's errors (`Connection refused`) come back here instead of staying on the shell.
   */
  ssh(argv: readonly string[], run: TerminalRunner): Promise<SshOutcome>;
}
