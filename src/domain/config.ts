import * as z from 'zod';
import { isTerminalColour, terminalColourProblem } from './terminalColour';

/** A key as the keymap names it: `j`, `G`, `enter`, `esc`, `tab`, `shift-tab`, `ctrl-c`, `space`, `up`, `pgdn`. */
export const keyName = z.string().min(1);

export const configSchema = z
  .object({
    /**
     * Action id -> keys. A list replaces the defaults; `null` or `[]` unbinds the action. The ids and key names
     * are checked against the actions once the console knows them (ui/keymap.ts).
     */
    keys: z.record(z.string(), z.union([keyName, z.array(keyName), z.null()])).default({}),
    theme: z
      .object({
        accent: z
          .string()
          .refine(isTerminalColour, { error: (issue) => terminalColourProblem(issue.input) })
          .default('cyan'),
        /** Colour off entirely (same as NO_COLOR / --no-color). */
        noColor: z.boolean().default(false),
      })
      .strict()
      .default({ accent: 'cyan', noColor: false }),
    refresh: z
      .object({
        /** Seconds between background refreshes of the Repositories screen; 0 turns the timer off. */
        repos: z.number().int().min(0).max(86_400).default(30),
      })
      .strict()
      .default({ repos: 30 }),
    cloud: z
      .object({
        /** A region's scan older than this is marked stale on the Resources screen. */
        staleMinutes: z.number().int().min(1).max(10_080).default(30),
      })
      .strict()
      .default({ staleMinutes: 30 }),
    repos: z
      .object({
        /** Folders searched for git repositories (a leading `~` is the home folder). */
        roots: z.array(z.string().min(1)).default([]),
        /** How many folder levels below each root are searched. */
        depth: z.number().int().min(0).max(6).default(2),
      })
      .strict()
      .default({ roots: [], depth: 2 }),
    gitlab: z
      .object({
        /** Self-hosted GitLab hosts (`gitlab.example.com`, `git.corp:8443`); gitlab.com is always known. */
        hosts: z
          .array(
            z
              .string()
              .regex(
                /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/i,
                'not a host name (like gitlab.example.com, without https://)',
              ),
          )
          .default([]),
      })
      .strict()
      .default({ hosts: [] }),
    /** Signed requests (README "Signed requests"); roles live in the workspace's `access.yaml`. */
    access: z
      .object({
        /**
         * The key that signs this user's requests, as git's `user.signingkey`: a private key file, or a public key
         * (`~/.ssh/id_ed25519.pub`) whose private half is in ssh-agent (`SSH_AUTH_SOCK`). Unset: requests go unsigned.
         */
        signingKey: z.string().min(1).optional(),
        /** Workers refuse unsigned requests (a forged or replayed one is refused either way). */
        requireSignatures: z.boolean().default(false),
      })
      .strict()
      .default({ requireSignatures: false }),
  })
  .strict();

export type DeckConfig = z.infer<typeof configSchema>;

export const defaultConfig: DeckConfig = configSchema.parse({});
