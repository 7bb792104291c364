import { describeJob, type JobKind } from './job';

/** What the built-in advisor looks for; each rule is one pure function in `adviceRules*.ts`. */
export const adviceRuleIds = [
  'open-admin-port',
  'public-bucket',
  'bucket-without-versioning',
  'stopped-instance',
  'repeated-job-failure',
  'failing-schedule',
  'stale-scan',
] as const;
export type AdviceRuleId = (typeof adviceRuleIds)[number];

export const adviceSeverities = ['high', 'medium', 'low'] as const;
export type AdviceSeverity = (typeof adviceSeverities)[number];

/** A row a finding is about: a resource (with its region), a job, a schedule or a scan scope. */
export interface AdviceRow {
  type: string;
  id: string;
  region?: string;
  name?: string;
}

/**
 * A job the advisor suggests, as a spec ready to queue (never queued by the advisor): a kind of the registry
 * and its payload, with how it reads to a person.
 */
export interface SuggestedJob {
  kind: JobKind;
  payload: Record<string, unknown>;
  summary: string;
  /** What to know before running it: what it deletes, what it cannot undo. */
  note?: string;
  /** Why it is shown but not offered here (the DEMO cloud's findings fixed with the real `aws` CLI). */
  notHere?: string;
}

export interface AdviceFinding {
  rule: AdviceRuleId;
  severity: AdviceSeverity;
  /** One line: what is wrong and why it matters. */
  why: string;
  rows: AdviceRow[];
  suggestion?: SuggestedJob;
}

/** What `advise` found, and what it could not check (and why): a silent gap would read as "all fine". */
export interface AdviceReport {
  findings: AdviceFinding[];
  notes: string[];
}

/** The thresholds of the rules; the README lists them. */
export interface AdviceThresholds {
  /** An instance stopped longer than this is probably forgotten (its volumes still cost). */
  stoppedForMs: number;
  /** The same job failing with the same error at least this many times. */
  repeatedFailures: number;
  /** Failures looked at no older than this. */
  failureWindowMs: number;
  /** A schedule whose last this-many ended runs all failed. */
  scheduleFailures: number;
  /** A scan older than this makes the resource findings doubtful. */
  staleScanMs: number;
}

export const defaultAdviceThresholds: AdviceThresholds = {
  stoppedForMs: 7 * 86_400_000,
  repeatedFailures: 3,
  failureWindowMs: 7 * 86_400_000,
  scheduleFailures: 3,
  staleScanMs: 24 * 3_600_000,
};

/** A suggestion with its summary written by the kind's own `describe`. */
export function suggest(kind: JobKind, payload: Record<string, unknown>, note?: string): SuggestedJob {
  return { kind, payload, summary: describeJob(kind, payload), ...(note ? { note } : {}) };
}

/** A `command` job suggestion: `program args…`, no shell. */
export function suggestCommand(argv: [string, ...string[]], note?: string): SuggestedJob {
  const [program, ...args] = argv;
  return suggest('command', { program, args }, note);
}

const severityOrder: Record<AdviceSeverity, number> = { high: 0, medium: 1, low: 2 };

/** Most severe first, then by rule (in `adviceRuleIds` order), then by the first row. */
export function compareFindings(a: AdviceFinding, b: AdviceFinding): number {
  return (
    severityOrder[a.severity] - severityOrder[b.severity] ||
    adviceRuleIds.indexOf(a.rule) - adviceRuleIds.indexOf(b.rule) ||
    rowKey(a.rows[0]).localeCompare(rowKey(b.rows[0]))
  );
}

function rowKey(row: AdviceRow | undefined): string {
  return row ? `${row.region ?? ''}/${row.id}` : '';
}

/** `i-0abc (web-1) in eu-west-1`. */
export function describeRow(row: AdviceRow): string {
  const name = row.name && row.name !== row.id ? ` (${row.name})` : '';
  return `${row.id}${name}${row.region ? ` in ${row.region}` : ''}`;
}
