import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileRunMetrics, runMetricsFolder } from '../../src/services/ai/runMetrics';
import { openBus } from '../../src/services/bus/openBus';
import { experimentRunSuite } from './experimentRunSuite';

experimentRunSuite({
  name: 'the memory transport (metrics in the workspace’s .cache/ai/metrics)',
  open: (opts) => openBus(opts),
  store: async (dir) => new FileRunMetrics(runMetricsFolder(dir)),
  entries: async (dir, run) =>
    readFileSync(join(dir, '.cache', 'ai', 'metrics', `${run}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean).length,
});
