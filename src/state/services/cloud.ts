import type { RegionScan } from '../../domain/resource';
import { stripControl } from '../../domain/text';

/** Which account the console looks at: what `--profile`, `--region`, `--demo`, `:profile` and `:region` set. */
export interface CloudSelection {
  profile?: string;
  region?: string;
  demo?: boolean;
  /** Use the keys saved under this label in the OS keyring (`:login`) instead of the default chain. */
  keyring?: string;
}

/** The scan cache of one account as the console reads it at connect. */
export interface CachedScans {
  scans: RegionScan[];
  /** A region (or `global`, the buckets) whose file did not read, and why: `<path>: not valid JSON; …`. */
  unread: { region: string; reason: string }[];
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

/** Which account a change acts on, as a confirmation names it: `account 123456789012 (AWS profile prod)`. */
export function accountText(cloud: CloudInfo | undefined): string {
  if (!cloud?.account) return 'the account of these credentials';
  return stripControl(`account ${cloud.account} (${cloud.label})`);
}

export interface DeckCloud {
  /** Opens (or re-opens, for :profile / :region) the cloud; the in-process workers use the same one. */
  open(selection: CloudSelection): Promise<CloudInfo>;
  /**
   * What the last scans of this account left in the workspace cache, and the cache files that are there but did
   * not read (not JSON, the wrong shape, another format): their scopes are to be scanned again.
   */
  cachedScans(account: string): Promise<CachedScans>;
  /**
   * Writes a scan into this console's own workspace cache: a worker on another host caches its scans in its own
   * workspace, so a file of ours that did not read would stay broken however often it is scanned again.
   */
  cacheScan?(scan: RegionScan): Promise<void>;
  /** The regions to offer for `:region` completion. */
  knownRegions(): string[];
  /** The profiles of ~/.aws/config and credentials, for `:profile` completion; undefined until they are read. */
  knownProfiles(): string[] | undefined;
  /** Keeps keys typed into `:login` in the OS keyring; never anywhere else. */
  saveKeys(
    label: string,
    keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
}
