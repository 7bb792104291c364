import { awsRegionNames } from '../../domain/awsRegions';
import { didYouMean } from '../../domain/didYouMean';
import { globalScope } from '../../domain/resource';
import type { DeckCloud } from '../../state/services/cloud';
import type { DeckState } from '../../state/store';
import type { PaletteCommand } from '../../ui/paletteCommand';

/** `:profile NAME`, `:region NAME`, `:demo`: which account and region the console (and its workers) look at. */
export function cloudCommands(cloud: DeckCloud): PaletteCommand[] {
  return [
    {
      name: 'profile',
      aliases: [],
      args: '<name>',
      description: 'Switch the AWS profile (~/.aws/config, SSO included)',
      complete: () => cloud.knownProfiles() ?? [],
      run: (args, ctx) => {
        if (!args[0]) return ':profile needs a profile name (Tab lists them)';
        const problem = unknownProfile(args[0], cloud.knownProfiles());
        if (problem) return problem;
        void ctx.actions.cloud.connect({ profile: args[0], demo: false });
        return undefined;
      },
    },
    {
      name: 'region',
      aliases: [],
      args: '<name>',
      description: 'Switch the default AWS region',
      complete: () => cloud.knownRegions(),
      run: (args, ctx) => {
        if (!args[0]) return ':region needs a region name, e.g. :region eu-west-1';
        const problem = unknownRegion(args[0], [...cloud.knownRegions(), ...scannedRegions(ctx.state())]);
        if (problem) return problem;
        void ctx.actions.cloud.connect({ region: args[0] });
        return undefined;
      },
    },
    {
      name: 'login',
      aliases: [],
      args: '[label]',
      description: 'Type AWS access keys; kept in the OS keyring only',
      run: (args, ctx) => {
        ctx.actions.ui.openForm({
          title: 'AWS access keys for this console',
          note: 'Kept in the OS keyring, never in a file or a log. Without a keyring nothing is stored.',
          fields: [
            { label: 'Label', initial: args[0] ?? 'default' },
            { label: 'Access key id' },
            { label: 'Secret access key', secret: true },
            { label: 'Session token', secret: true, optional: true },
          ],
          onSubmit: async ([label, accessKeyId, secretAccessKey, sessionToken]) => {
            if (!/^(AKIA|ASIA)[A-Z0-9]{12,124}$/.test(accessKeyId))
              return `"${accessKeyId.slice(0, 24)}" is not an access key id (AKIA… or ASIA…)`;
            const saved = await cloud.saveKeys(label, {
              accessKeyId,
              secretAccessKey,
              ...(sessionToken ? { sessionToken } : {}),
            });
            if (!saved.ok) return saved.reason;
            void ctx.actions.cloud.connect({ keyring: label, profile: undefined, demo: false });
            return undefined;
          },
        });
        return undefined;
      },
    },
    {
      name: 'demo',
      aliases: [],
      description: 'Switch to the DEMO cloud (a seeded pretend account)',
      run: (_args, ctx) => {
        void ctx.actions.cloud.connect({ demo: true });
        return undefined;
      },
    },
  ];
}

/** Why `name` is not a region to switch to: not an AWS region, nor one the account's scans named. */
export function unknownRegion(name: string, alsoKnown: readonly string[] = []): string | undefined {
  const known = new Set([...awsRegionNames, ...alsoKnown]);
  if (known.has(name)) return undefined;
  const near = didYouMean(name, known, 3);
  return `:region ${name}: no such AWS region (${near ? `did you mean ${near}?` : 'Tab lists them'})`;
}

/**
 * Why `name` is not a profile of ~/.aws/config or credentials. The list is read when the cloud opens; until then
 * (`undefined`) nothing is refused (the cloud then says what it found).
 */
export function unknownProfile(name: string, profiles: readonly string[] | undefined): string | undefined {
  if (profiles === undefined || profiles.includes(name)) return undefined;
  if (profiles.length === 0)
    return `:profile ${name}: ~/.aws has no profiles (aws configure --profile ${name} makes one; :login takes keys)`;
  const near = didYouMean(name, profiles, 3);
  const list = profiles.length <= 4 ? `profiles: ${profiles.join(', ')}` : 'Tab lists them';
  return `:profile ${name}: no such AWS profile (${near ? `did you mean ${near}?` : list})`;
}

function scannedRegions(state: DeckState): string[] {
  return state.cloud.index.scans.map((s) => s.region).filter((r) => r !== globalScope);
}
