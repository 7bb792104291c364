import type { DeckEvent } from '../domain/event';
import type {
  JobFilter,
  JobLogLine,
  JobSpec,
  JobStatus,
  JobView,
  Requester,
  WorkerPresence,
} from '../domain/job';
import type { RepoDetails, RepoEntry, RepoStatus } from '../domain/repo';
import type { RegionScan, Resource } from '../domain/resource';
import type { DeckProjects } from './projectsActions';

export type BusState = 'connected' | 'reconnecting' | 'down';
export interface BusStatus {
  state: BusState;
  since: number;
  detail?: string;
}

/** The worker layer as the console uses it (the bus of services/bus satisfies it). */
export interface DeckBus {
  transport: 'redis' | 'memory';
  /** Where it points, for people (no password). */
  target: string;
  /** Who this console acts for: stamped on every job it enqueues. */
  requester: Requester;
  queue: {
    enqueue(spec: JobSpec): Promise<string>;
    cancel(id: string, by?: Requester): Promise<void>;
    retry(id: string, by?: Requester): Promise<void>;
    list(filter?: JobFilter): Promise<JobView[]>;
    /** Every job the queue holds, by status (the list above is only the newest). */
    counts(): Promise<Record<JobStatus, number>>;
    logs(id: string, opts?: { tail?: number }): Promise<JobLogLine[]>;
  };
  events: {
    subscribe(
      fromId: string | 'live',
      onEvent: (event: DeckEvent) => void,
      opts?: { onNotice?: (notice: { kind: string; message: string }) => void },
    ): () => void;
  };
  state: {
    get(): BusStatus;
    subscribe(listener: (status: BusStatus) => void): () => void;
  };
  workers(): Promise<WorkerPresence[]>;
}

/** Which account the console looks at: what `--profile`, `--region`, `--demo`, `:profile` and `:region` set. */
export interface CloudSelection {
  profile?: string;
  region?: string;
  demo?: boolean;
  /** Use the keys saved under this label in the OS keyring (`:login`) instead of the default chain. */
  keyring?: string;
}

/** The cloud as the status bar and the Resources screen see it. */
export interface CloudInfo {
  kind: 'aws' | 'demo';
  /** `DEMO`, `AWS profile prod`… */
  label: string;
  account?: string;
  arn?: string;
  region?: string;
  /** Why there is no identity (expired token, SSO login needed with the command to run…). */
  problem?: string;
  /** Why the demo cloud is shown. */
  demoReason?: string;
}

export interface DeckCloud {
  /** Opens (or re-opens, for :profile / :region) the cloud; the in-process workers use the same one. */
  open(selection: CloudSelection): Promise<CloudInfo>;
  /** What the last scans of this account left in the workspace cache (corrupt or old files are skipped). */
  cachedScans(account: string): Promise<RegionScan[]>;
  /** The regions to offer for `:region` completion. */
  knownRegions(): string[];
  /** The profiles of ~/.aws/config and credentials, for `:profile` completion. */
  knownProfiles(): string[];
  /** Keeps keys typed into `:login` in the OS keyring; never anywhere else. */
  saveKeys(
    label: string,
    keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
}

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
  /** The `ssh` argument array, or why there is none. */
  ssh: { ok: true; argv: string[] } | { ok: false; error: string };
}

/** Reachability of one server: latencies of the last probes (NaN = no answer) and the last result. */
export interface ServerReach {
  samples: number[];
  last?: { ok: boolean; latencyMs?: number; error?: string; at: number };
}

export interface DeckServers {
  /** servers.yaml plus the instances; `demo`: the instances are pretend and are neither probed nor ssh'd to. */
  list(instances: readonly Resource[], demo: boolean): Promise<{ rows: ServerView[]; errors: string[] }>;
  /** Probes the rows' SSH ports on a timer; calls back after every round. Returns the stop. */
  probe(rows: readonly ServerView[], onRound: (reach: Record<string, ServerReach>) => void): () => void;
}

/**
 * What the console needs from the outside world. The store's actions call these;
 * the entry point wires real implementations, tests may wire their own.
 */
export interface DeckServices {
  repos: {
    /** Reads the workspace's repository list and each repository's status. Never rejects for one bad repo. */
    list(): Promise<{ rows: RepoStatus[]; errors: string[] }>;
    details(entry: RepoEntry): Promise<RepoDetails>;
  };
  bus?: DeckBus;
  cloud?: DeckCloud;
  servers?: DeckServers;
  /** The blueprints of `<dataDir>/projects` (Deployments screen). */
  projects?: DeckProjects;
}
