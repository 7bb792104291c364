import { CredentialsStore } from './services/aws/credentialsStore';
import type { CloudProvider } from './services/cloud/cloudProvider';
import type { OpenedCloud } from './services/cloud/openCloud';
import { readAccountCache, writeRegionScan } from './services/cloud/scanCache';
import { workspacePaths } from './services/storage/workspace';
import type { CloudInfo, CloudSelection, DeckCloud } from './state/services/cloud';

/** Regions offered by `:region` completion (any name is accepted). */
const commonRegions = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
];

/**
 * The cloud of one console: what the status bar and the Resources screen show, and the very provider the
 * in-process workers act on, so the demo cloud is one world and `:profile` switches both.
 */
export function consoleCloud(
  dataDir: string,
  env: NodeJS.ProcessEnv,
): { deckCloud: DeckCloud; provider: () => Promise<CloudProvider> } {
  let current: Promise<OpenedCloud> | undefined;
  let currentKey = '';
  // Undefined until ~/.aws has been read (at the first open).
  let profiles: string[] | undefined;
  const keyring = new CredentialsStore();

  const openFor = (selection: CloudSelection): Promise<OpenedCloud> => {
    const key = JSON.stringify([
      selection.demo ?? false,
      selection.profile ?? '',
      selection.region ?? '',
      selection.keyring ?? '',
    ]);
    if (!current || key !== currentKey) {
      currentKey = key;
      // The AWS SDK is loaded here, after the first frame, not at start-up.
      current = import('./services/cloud/openCloud').then(({ openCloud }) =>
        openCloud({
          demo: selection.demo,
          profile: selection.profile,
          region: selection.region,
          env,
          credentials: selection.keyring ? keyring.provider(selection.keyring) : undefined,
        }),
      );
      void import('./services/aws/awsProfiles')
        .then(({ readAwsProfiles }) => readAwsProfiles(env))
        .then((found) => {
          profiles = [...found.profiles.keys()];
        })
        .catch(() => {});
    }
    return current;
  };

  const deckCloud: DeckCloud = {
    open: async (selection) => infoOf(await openFor(selection)),
    cachedScans: async (account) => {
      const { scans, unread } = await readAccountCache(workspacePaths(dataDir).cacheDir, account);
      return { scans, unread };
    },
    cacheScan: async (scan) => {
      await writeRegionScan(workspacePaths(dataDir).cacheDir, scan);
    },
    knownRegions: () => commonRegions,
    knownProfiles: () => profiles,
    saveKeys: (label, keys) => keyring.save(label, keys),
  };
  return { deckCloud, provider: async () => (await (current ?? openFor({}))).provider };
}

function infoOf(opened: OpenedCloud): CloudInfo {
  return {
    kind: opened.provider.kind,
    label: opened.provider.label,
    account: opened.identity?.account,
    arn: opened.identity?.arn,
    region: opened.identity?.region,
    problem: opened.problem,
    demoReason: opened.demoReason,
  };
}
