import type { ProjectEntry } from './projectEntry';
import {
  type DeployPayload,
  type DeployPayloadInput,
  type DestroyPayloadInput,
  newDeployId,
} from './projectJobs';

export interface PayloadOptions {
  /** The project's name as the user typed it (protected projects). */
  confirmName?: string;
  /** The console is in read-only mode: the worker refuses the job. */
  readOnly?: boolean;
}

/**
 * A deploy of the blueprint as it is now: the job carries this snapshot, so later edits do not change it.
 * Undefined when the blueprint is not valid (show `entry.errors` instead).
 */
export function deployPayloadFor(
  entry: ProjectEntry,
  options: PayloadOptions = {},
): DeployPayloadInput | undefined {
  if (!entry.blueprint) return undefined;
  return {
    project: entry.blueprint.name,
    blueprint: entry.blueprint,
    source: { file: entry.file, sha256: entry.sha256 },
    deployId: newDeployId(),
    ...(options.confirmName !== undefined ? { confirmName: options.confirmName } : {}),
    readOnly: options.readOnly ?? false,
  };
}

/** `infradeck resume <job>`: the stopped deploy's own payload (same snapshot, same deploy id) once more. */
export function resumePayload(previous: DeployPayload, previousJobId: string): DeployPayloadInput {
  return { ...previous, deployId: previous.deployId ?? `job-${previousJobId}`, resumeOf: previousJobId };
}

/** Removes what one deploy created. */
export function rollbackPayload(
  previous: DeployPayload,
  previousJobId: string,
  options: PayloadOptions & { emptyBuckets?: boolean } = {},
): DestroyPayloadInput {
  return {
    project: previous.project,
    blueprint: previous.blueprint,
    rollbackOf: previous.deployId ?? `job-${previousJobId}`,
    emptyBuckets: options.emptyBuckets ?? false,
    ...(options.confirmName !== undefined ? { confirmName: options.confirmName } : {}),
    readOnly: options.readOnly ?? false,
  };
}

export function destroyPayloadFor(
  entry: ProjectEntry,
  options: PayloadOptions & { emptyBuckets?: boolean } = {},
): DestroyPayloadInput {
  return {
    project: entry.name,
    ...(entry.blueprint ? { blueprint: entry.blueprint } : {}),
    emptyBuckets: options.emptyBuckets ?? false,
    ...(options.confirmName !== undefined ? { confirmName: options.confirmName } : {}),
    readOnly: options.readOnly ?? false,
  };
}
