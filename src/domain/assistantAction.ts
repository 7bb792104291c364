import { canChange, describeJob, isJobKind, type JobKind, jobKinds, payloadSchemas } from './job';

/**
 * Actions the assistant proposes: fenced ```json blocks in its answer holding `{kind, payload}`, checked against
 * the job kind registry and the kind's own payload schema. A proposal is only ever shown; it becomes a job when a
 * person confirms it (and never in read-only mode, for a kind that changes something).
 */

/** Kinds a parent job adds for itself (a batch's targets, a pipeline's steps): never queued on their own. */
const childKinds = new Set<string>(['batchTarget', 'pipelineStep']);

/** The kinds the assistant may propose. */
export function proposableKinds(): JobKind[] {
  return jobKinds.filter((k) => !childKinds.has(k));
}

export type ProposedAction =
  | {
      valid: true;
      kind: JobKind;
      /** As the model wrote it (the queue applies the defaults). */
      payload: Record<string, unknown>;
      summary: string;
      /** Whether it can change something outside infradeck: read-only mode refuses it. */
      changes: boolean;
    }
  | {
      valid: false;
      /** What the block said, cut short. */
      text: string;
      /** Why it is not a job spec, in words: `payload.ids: nothing selected`. */
      error: string;
    };

const fence = /```(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)```/g;

/** Every fenced block of the answer that looks like a job spec, checked. A block without `kind` is ignored. */
export function proposedActions(answer: string): ProposedAction[] {
  const out: ProposedAction[] = [];
  for (const m of answer.matchAll(fence)) {
    const body = m[1].trim();
    if (!body.startsWith('{')) continue;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      if (/"kind"\s*:/.test(body)) out.push(invalid(body, `not valid JSON: ${(error as Error).message}`));
      continue;
    }
    if (typeof json !== 'object' || json === null || !('kind' in json)) continue;
    out.push(checkAction(json as { kind: unknown; payload?: unknown }, body));
  }
  return out;
}

/** Checks one `{kind, payload}` against the registry. */
export function checkAction(
  spec: { kind: unknown; payload?: unknown },
  text = JSON.stringify(spec),
): ProposedAction {
  const { kind, payload } = spec;
  if (typeof kind !== 'string' || !isJobKind(kind) || childKinds.has(kind)) {
    return invalid(text, `"${String(kind)}" is not a job kind (kinds: ${proposableKinds().join(', ')})`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return invalid(text, 'payload: expected an object');
  }
  const parsed = payloadSchemas[kind].safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(text, `payload${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  return {
    valid: true,
    kind,
    payload: payload as Record<string, unknown>,
    summary: describeJob(kind, payload),
    changes: canChange(kind),
  };
}

function invalid(text: string, error: string): ProposedAction {
  return { valid: false, text: text.length > 300 ? `${text.slice(0, 300)}…` : text, error };
}
