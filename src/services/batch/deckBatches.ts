import type { DeckBatches } from '../../state/services/batches';
import type { Env } from '../storage/userPath';
import { isYamlName, watchFiles } from '../storage/watchFiles';
import { workspacePaths } from '../storage/workspace';
import { batchTargetInputs, loadBatchFiles } from './batchesFolder';

/** The console's `batches/` folder and `servers.yaml`, read afresh at each call (an edit shows at the next one). */
export function deckBatchesFor(dataDir: string, env: Env): DeckBatches {
  return {
    dir: workspacePaths(dataDir).batchesDir,
    load: () => loadBatchFiles(dataDir),
    watch: (onChange, onError) =>
      watchFiles(workspacePaths(dataDir).batchesDir, isYamlName, onChange, { onError }),
    targetInputs: (resources) => batchTargetInputs(dataDir, resources, env),
  };
}
