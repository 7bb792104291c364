import type { JobContext } from '../../src/services/bus/contracts';
import { detachedFlow } from '../../src/services/bus/jobFlow';

/** A job context that records what a handler reports, as the Jobs screen would see it. */
export interface RecordedJob extends JobContext {
  steps: { step: number; total: number; message?: string }[];
  lines: string[];
  controller: AbortController;
}

export function recordedJob(jobId = 'job-1', attempt = 1): RecordedJob {
  const controller = new AbortController();
  const steps: RecordedJob['steps'] = [];
  const lines: string[] = [];
  return {
    jobId,
    attempt,
    requestedBy: { user: 'tester', host: 'test-host' },
    signal: controller.signal,
    controller,
    steps,
    lines,
    progress(step, total, message) {
      steps.push({ step, total, message });
    },
    async log(line) {
      lines.push(line);
    },
    async emit() {},
    flow: detachedFlow(),
  };
}
