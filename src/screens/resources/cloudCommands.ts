import type { PaletteCommand } from '../../app/commands';
import type { DeckCloud } from '../../state/deckServices';

/** `:profile NAME`, `:region NAME`, `:demo`: which account and region the console (and its workers) look at. */
export function cloudCommands(cloud: DeckCloud): PaletteCommand[] {
  return [
    {
      name: 'profile',
      aliases: [],
      args: '<name>',
      description: 'Switch the AWS profile (~/.aws/config, SSO included)',
      complete: () => cloud.knownProfiles(),
      run: (args, ctx) => {
        if (!args[0]) return ':profile needs a profile name (Tab lists them)';
        void ctx.actions.connectCloud({ profile: args[0], demo: false });
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
        void ctx.actions.connectCloud({ region: args[0] });
        return undefined;
      },
    },
    {
      name: 'demo',
      aliases: [],
      description: 'Switch to the DEMO cloud (a seeded pretend account)',
      run: (_args, ctx) => {
        void ctx.actions.connectCloud({ demo: true });
        return undefined;
      },
    },
  ];
}
