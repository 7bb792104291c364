import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deckBusOf, deckProjectsFor } from '../../src/openWorkspace';
import type { Bus, Handlers } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { deployHandler } from '../../src/worker/handlers/deploy';
import { destroyHandler } from '../../src/worker/handlers/destroy';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';

const examples = join(__dirname, '../../data/projects');
export const exampleText = (name: string) => readFileSync(join(examples, `${name}.yaml`), 'utf8');

/** A blueprint whose server type does not exist: line 11, column 13 of the file. */
export const brokenText = `name: broken
owner: ops@example.com
environment: dev
region: eu-west-1
network:
  vpc: { cidr: 10.9.0.0/16 }
  subnets:
    - { name: a, cidr: 10.9.1.0/24, az: eu-west-1a }
compute:
  instances:
    - { name: x, type: t9.huge, ami: ami-0123456789abcdef0, subnet: a }
`;

export interface DeploymentsSession {
  deck: DeckSession;
  bus: Bus;
  cloud: DemoCloud;
  dataDir: string;
  projectsDir: string;
  close(): Promise<void>;
}

export interface DeploymentsOptions {
  /** Blueprints to write, by file name (default: the three examples and broken.yaml). */
  files?: Record<string, string>;
  /** The console's `--readonly`. */
  readOnly?: boolean;
  /** Multiplies the demo cloud's latencies (0: instant). */
  latencyScale?: number;
  env?: NodeJS.ProcessEnv;
  size?: { columns: number; rows: number };
}

/**
 * The console on the Deployments tab as `npm start` runs it without Redis: the in-process workers with the
 * deploy and destroy handlers, all acting on one demo cloud and one temporary workspace.
 */
export async function startDeployments(opts: DeploymentsOptions = {}): Promise<DeploymentsSession> {
  const dataDir = mkdtempSync(join(tmpdir(), 'infradeck-deployments-'));
  const projectsDir = join(dataDir, 'projects');
  mkdirSync(projectsDir);
  const files = opts.files ?? {
    'analytics.yaml': exampleText('analytics'),
    'broken.yaml': brokenText,
    'shop.yaml': exampleText('shop'),
    'static-site.yaml': exampleText('static-site'),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(projectsDir, name), text);

  const latencyScale = opts.latencyScale ?? 0;
  const cloud = new DemoCloud({ latencyScale, transitionMs: 0 });
  const deps = { cloud, dataDir };
  // jobHandlersFor binds the same handlers once deploy and destroy are registered there; listed here so the
  // session runs them bound to this test's cloud and folder whatever that map holds.
  const handlers = {
    ...jobHandlersFor({ cloud: async () => cloud, dataDir, pollMs: 5 }),
    deploy: deployHandler(deps),
    destroy: destroyHandler(deps),
  } as Handlers;
  const bus = openMemoryBus({
    handlers,
    requester: operator,
    policies: { deploy: { attempts: 1 }, destroy: { attempts: 1 } } as never,
  });
  const deck = await startDeck({
    bus: deckBusOf(bus, operator),
    services: { projects: deckProjectsFor(dataDir, opts.env ?? {}, async () => cloud) },
    readOnly: opts.readOnly,
    size: opts.size ?? { columns: 110, rows: 30 },
  });
  await deck.press('4');
  const names = Object.keys(files).map((f) => f.replace(/\.ya?ml$/, ''));
  await deck.waitFor((frame) => names.every((n) => rowOf(frame, n) !== ''));
  return {
    deck,
    bus,
    cloud,
    dataDir,
    projectsDir,
    async close() {
      deck.unmount();
      await bus.close();
      // The watcher closes with the screen; give chokidar a moment before its folder goes.
      await new Promise((r) => setTimeout(r, 50));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Live resources of a project in the demo cloud (volumes go with their servers). */
export function liveOf(cloud: DemoCloud, project: string) {
  return cloud
    .snapshot()
    .filter(
      (r) =>
        r.tags['infradeck:project'] === project &&
        r.type !== 'volume' &&
        r.state !== 'terminated' &&
        r.state !== 'shutting-down',
    );
}

/** The table line of a project. */
export function rowOf(frame: string, project: string): string {
  return frame.split('\n').find((l) => new RegExp(`^[> ●] ${project}\\s`).test(l)) ?? '';
}
