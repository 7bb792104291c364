import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deckBusOf } from '../../src/openWorkspace';
import { deckBatchesFor } from '../../src/services/batch/deckBatches';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { batchHandler } from '../../src/worker/handlers/batch';
import { batchTargetHandler } from '../../src/worker/handlers/batchTarget';
import { command } from '../../src/worker/handlers/command';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';

/** Three loopback hosts: local actions never connect to them, they only name the targets. */
export const serversYaml = `servers:
  - name: web-1
    host: 127.0.0.1
    port: 22
  - name: web-2
    host: 127.0.0.2
    port: 22
    project: web
  - name: web-3
    host: 127.0.0.3
    port: 22
    project: web
`;

/** One target per wave; web-2 fails, so the batch stops there and web-3 is skipped. */
export const rollYaml = `# roll a change host by host
targets:
  servers: [web-1, web-2, web-3]
action:
  local: [sh, -c, 'echo "hello from $INFRADECK_TARGET"; test "$INFRADECK_TARGET" != web-2']
serial: 1
timeout: 30s
`;

/** A batch file with a target that names nothing: an error row with where it is written. */
export const typoYaml = `targets:
  servers: [web-1, web-9]
action:
  local: ["true"]
`;

export interface BatchDeck {
  deck: DeckSession;
  bus: Bus;
  workspace: string;
  close(): Promise<void>;
}

/**
 * The console with the real batch handlers on the embedded (memory) worker layer, over a throw-away workspace
 * holding `servers.yaml` and the given `batches/*.yaml`.
 */
export async function startBatchDeck(
  files: Record<string, string>,
  opts: { readOnly?: boolean; size?: { columns: number; rows: number }; noColor?: boolean } = {},
): Promise<BatchDeck> {
  const workspace = mkdtempSync(join(tmpdir(), 'infradeck-batch-tab-'));
  writeFileSync(join(workspace, 'servers.yaml'), serversYaml);
  mkdirSync(join(workspace, 'batches'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workspace, 'batches', name), text);
  const bus = openMemoryBus({
    handlers: {
      command,
      batch: batchHandler(),
      batchTarget: batchTargetHandler({ dataDir: workspace, killGraceMs: 500 }),
    },
    requester: operator,
    concurrency: 4,
  });
  const deck = await startDeck({
    bus: deckBusOf(bus, operator),
    services: { batches: deckBatchesFor(workspace, process.env) },
    size: opts.size ?? { columns: 120, rows: 30 },
    readOnly: opts.readOnly ?? false,
    noColor: opts.noColor ?? false,
  });
  return {
    deck,
    bus,
    workspace,
    async close() {
      deck.unmount();
      await bus.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}
