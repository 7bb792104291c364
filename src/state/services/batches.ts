import type { BatchFile } from '../../domain/batchSource';
import type { TargetInputs } from '../../domain/batchTargets';
import type { Resource } from '../../domain/resource';
import type { WatchFiles } from '../slice';

/** The workspace's `batches/` folder and what batch targets are chosen from; `openWorkspace` wires the real one. */
export interface DeckBatches {
  /** `<dataDir>/batches`, for messages. */
  dir: string;
  /** Every `batches/*.yaml`, read and checked, by file name; never rejects (a file that cannot be read says so). */
  load(): Promise<BatchFile[]>;
  /**
   * Calls `onChange` shortly after a `batches/*.yaml` is written, created or removed; resolves once watching. A
   * double without a folder has none: its files are read when the tab is shown and with `r`.
   */
  watch?: WatchFiles;
  /**
   * The hosts of `servers.yaml` beside the given resources (the console's resource index): what targets resolve
   * against. `errors`: servers.yaml's problems, formatted `file:line:col: path: message`.
   */
  targetInputs(resources: readonly Resource[]): Promise<{ inputs: TargetInputs; errors: string[] }>;
}
