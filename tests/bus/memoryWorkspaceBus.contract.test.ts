import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { contractSuite } from './contractSuite';

// The embedded default as the console and the commands open it: on a workspace, which counts the job ids and
// keeps the history and the audit trail. It must keep the same contract as without one.
const dirs: string[] = [];

contractSuite({
  name: 'memory on a workspace',
  open: async (opts) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'infradeck-contract-'));
    dirs.push(dataDir);
    return openMemoryBus({ ...opts, dataDir });
  },
  cleanup: async () => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  },
});
