import { describeJob, isJobKind, payloadSchemas } from './job';
import { jobKindByName } from './jobKinds';
import type { JobKindDeclaration } from './jobKinds/jobKindDeclaration';
import { canonicalJson } from './signature';

/** A stored job as far as its children are concerned. */
export interface StoredRequest {
  kind: string;
  payload: unknown;
  requestedBy: unknown;
}

/**
 * Why `child`, keyed `key` among its parent's children, is not a job `parent` makes (its kind's `childOf`), or
 * undefined when it is: the same kind and payload (each after its kind's defaults), asked by the same requester.
 */
export function childMismatch(
  parent: StoredRequest,
  child: StoredRequest,
  key: string | undefined,
): string | undefined {
  if (!isJobKind(parent.kind)) return `its parent is a job of unknown kind "${parent.kind}"`;
  const declaration: JobKindDeclaration = jobKindByName[parent.kind];
  if (!declaration.childOf) return `its parent, a ${parent.kind} job, makes no children`;
  if (key === undefined) return 'it has no key among its parent’s children';
  const parentPayload = declaration.payload.safeParse(parent.payload);
  if (!parentPayload.success) return `its parent’s ${parent.kind} payload is not valid`;
  const made = declaration.childOf(parentPayload.data, key);
  const parentText = describeJob(parent.kind, parentPayload.data);
  if (!made) return `its parent (${parentText}) makes no child "${key}"`;
  if (made.kind !== child.kind)
    return `its parent makes "${key}" a ${made.kind} job, not a ${child.kind} job`;
  if (!sameJob(made, child)) {
    return `its payload is not the one its parent (${parentText}) makes as "${key}"`;
  }
  if (canonicalJson(parent.requestedBy) !== canonicalJson(child.requestedBy)) {
    return 'it is asked by someone other than its parent';
  }
  return undefined;
}

/** Whether two jobs are of one kind with one payload, each as its kind stores it (defaults applied). */
export function sameJob(
  a: { kind: string; payload: unknown },
  b: { kind: string; payload: unknown },
): boolean {
  const expected = normalized(a);
  return a.kind === b.kind && expected !== undefined && expected === normalized(b);
}

/** A payload as its kind stores it (defaults applied), as comparable text; undefined when it is not valid. */
function normalized(job: { kind: string; payload: unknown }): string | undefined {
  if (!isJobKind(job.kind)) return undefined;
  const parsed = payloadSchemas[job.kind].safeParse(job.payload);
  return parsed.success ? canonicalJson(parsed.data) : undefined;
}
