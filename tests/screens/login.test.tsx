import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleCloud } from '../../src/consoleCloud';
import { cloudCommands } from '../../src/screens/resources/cloudCommands';
import type { DeckCloud } from '../../src/state/services/cloud';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubAwsIdentity, stubDeckCloud } from '../harness/stubServices';

let deck: DeckSession | undefined;
const dirs: string[] = [];
afterEach(() => {
  deck?.unmount();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

async function login(cloud: DeckCloud) {
  deck = await startDeck({
    services: { cloud },
    commands: cloudCommands(cloud),
    size: { columns: 100, rows: 30 },
  });
  await deck.press(':');
  await deck.type('login ops');
  await deck.press('enter');
  await deck.waitFor('AWS access keys for this console');
  await deck.press('tab');
  await deck.type('AKIAIOSFODNN7EXAMPLE');
  await deck.press('tab');
  await deck.type(secret);
  await deck.press('tab', 'enter');
  return deck;
}

describe('typing AWS keys into :login', () => {
  it('says there is no keyring here and stores nothing, anywhere', async () => {
    const home = mkdtempSync(join(tmpdir(), 'infradeck-login-'));
    dirs.push(home);
    const d = await login(consoleCloud(home, { HOME: home }).deckCloud);
    const f = await d.waitFor('no keyring on this machine', 8000);
    expect(f.replace(/[\s│]+/g, ' ')).toContain('nothing was stored'); // the message wraps inside the box
    expect(f).not.toContain(secret);
    expect(readdirSync(home)).toEqual([]);
  });

  it('hands the keys to the keyring and switches the console to them', async () => {
    const saved: unknown[] = [];
    const opened: unknown[] = [];
    const cloud = stubDeckCloud({
      open: async (selection) => {
        opened.push(selection);
        return { ...stubAwsIdentity };
      },
      saveKeys: async (label, keys) => {
        saved.push({ label, keys });
        return { ok: true };
      },
    });
    const d = await login(cloud);
    // The account the keys are of (its ARN is left out, never cut, while an unread problem takes the room).
    await d.waitFor(/ 123456789012 /);
    expect(saved).toEqual([
      { label: 'ops', keys: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secret } },
    ]);
    expect(opened.at(-1)).toMatchObject({ keyring: 'ops', demo: false });
    expect(d.frame()).not.toContain(secret);
  });

  it('refuses something that is not an access key id', async () => {
    const cloud = consoleCloud('/nonexistent', {}).deckCloud;
    deck = await startDeck({
      services: { cloud },
      commands: cloudCommands(cloud),
      size: { columns: 100, rows: 30 },
    });
    await deck.press(':');
    await deck.type('login');
    await deck.press('enter', 'tab');
    await deck.type('hello');
    await deck.press('tab');
    await deck.type('x');
    await deck.press('tab', 'enter');
    await deck.waitFor('is not an access key id');
  });
});
