import { describeJob, isJobKind, payloadSchemas } from './job';
import { jobKindByName } from './jobKinds';
import type { JobKindDeclaration, MadeChild } from './jobKinds/jobKindDeclaration';
import { canonicalJson } from './signature';

/** A stored job as far as its children are concerned. */
export interface StoredRequest {
  kind: string;
  payload: unknown;
  requestedBy: unknown;
}

/** What a parent makes, read once for all its children: its jobs by key, or why it makes none. */
export type ParentMakes = { text: string; children: Map<string, MadeChild> } | { problem: string };

/** The children `parent` makes (its kind's `childrenOf`, on its payload with its kind's defaults). */
export function parentMakes(parent: StoredRequest): ParentMakes {
  if (!isJobKind(parent.kind)) return { problem: `its parent is a job of unknown kind "${parent.kind}"` };
  const declaration: JobKindDeclaration = jobKindByName[parent.kind];
  if (!declaration.childrenOf) return { problem: `its parent, a ${parent.kind} job, makes no children` };
  const parsed = declaration.payload.safeParse(parent.payload);
  if (!parsed.success) return { problem: `its parent’s ${parent.kind} payload is not valid` };
  return { text: describeJob(parent.kind, parsed.data), children: declaration.childrenOf(parsed.data) };
}

/**
 * Why `child`, keyed `key` among its parent's children, is not a job `parent` makes (`makes`, from `parentMakes`),
 * or undefined when it is: the same kind and payload (each after its kind's defaults), asked by the same requester.
 */
export function childMismatch(
  parent: StoredRequest,
  makes: ParentMakes,
  child: StoredRequest,
  key: string | undefined,
): string | undefined {
  if ('problem' in makes) return makes.problem;
  if (key === undefined) return 'it has no key among its parent’s children';
  const made = makes.children.get(key);
  if (!made) return `its parent (${makes.text}) makes no child "${key}"`;
  if (made.kind !== child.kind)
    return `its parent makes "${key}" a ${made.kind} job, not a ${child.kind} job`;
  if (!sameJob(made, child)) return `its payload is not the one its parent (${makes.text}) makes as "${key}"`;
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
