import {
  type AdviceFinding,
  type AdviceReport,
  type AdviceThresholds,
  compareFindings,
  defaultAdviceThresholds,
} from './adviceFinding';
import { failingSchedules, repeatedFailures } from './adviceJobRules';
import { bucketFindings, openAdminGroups, staleScans, stoppedInstances } from './adviceResourceRules';
import type { JobView } from './job';
import type { RegionScan, Resource } from './resource';
import type { ScheduleRow } from './scheduleRows';

/**
 * What the advisor looks at, already read: a console passes its store's index and jobs, `infradeck advise` what
 * it read from the cache, the queue and `schedules.yaml`. A part that could not be read is absent, with why.
 */
export interface AdviceInput {
  now: number;
  /** The resource index: its scan scopes and resources. Absent: not read (see `unread`). */
  resources?: {
    account?: string;
    /** The DEMO cloud's: a fix that is an `aws` CLI command would act on the host's real account instead. */
    demo?: boolean;
    scans: readonly Pick<RegionScan, 'region' | 'scannedAt'>[];
    all: readonly Resource[];
  };
  /** Newest first or in any order. Absent: not read. */
  jobs?: readonly JobView[];
  /** The schedules with their runs. Absent: not read. */
  schedules?: readonly ScheduleRow[];
  /** The workspace folder, for suggestions that are `infradeck` commands. */
  workspace?: string;
  /** Why a part is absent (`jobs: Redis is unreachable`), said in the report's notes. */
  unread?: string[];
  thresholds?: Partial<AdviceThresholds>;
}

/** The DEMO cloud's resources are not AWS's: an `aws` CLI fix is shown, not offered. */
function notOnDemo(finding: AdviceFinding): AdviceFinding {
  const s = finding.suggestion;
  if (s?.kind !== 'command' || s.payload.program !== 'aws') return finding;
  const notHere =
    'the DEMO cloud: the aws CLI would act on the account of this host’s credentials, not on the DEMO cloud';
  return { ...finding, suggestion: { ...s, notHere } };
}

/** Runs every rule over what was read. Never throws on odd data: a field it cannot read is a note. */
export function adviseOn(input: AdviceInput): AdviceReport {
  const t = { ...defaultAdviceThresholds, ...input.thresholds };
  const findings = [];
  const notes = [...(input.unread ?? [])];
  if (input.resources) {
    const { all, scans, account } = input.resources;
    for (const part of [stoppedInstances(all, input.now, t), openAdminGroups(all), bucketFindings(all)]) {
      findings.push(...(input.resources.demo ? part.findings.map(notOnDemo) : part.findings));
      notes.push(...part.notes);
    }
    findings.push(...staleScans(scans, input.now, t, account));
  }
  if (input.jobs) findings.push(...repeatedFailures(input.jobs, input.now, t));
  if (input.schedules) findings.push(...failingSchedules(input.schedules, t, input.workspace));
  return { findings: findings.sort(compareFindings), notes };
}
