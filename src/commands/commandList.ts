import { adviseDeclaration } from './advise';
import { aiDeclaration } from './ai';
import { approvalsDeclaration } from './approvals';
import { approveDeclaration } from './approve';
import { askDeclaration } from './ask';
import { auditDeclaration } from './audit';
import { batchDeclaration } from './batch';
import type { CommandDeclaration } from './declaration';
import { deleteDeclaration } from './delete';
import { deployDeclaration } from './deploy';
import { destroyDeclaration } from './destroy';
import { eventsDeclaration } from './events';
import { jobsDeclaration } from './jobs';
import { pipelineDeclaration } from './pipeline';
import { pipelinesDeclaration } from './pipelines';
import { planDeclaration } from './plan';
import { powerDeclaration } from './power';
import { projectsDeclaration } from './projects';
import { rejectDeclaration } from './reject';
import { reposDeclaration } from './repos';
import { resourcesDeclaration } from './resources';
import { resumeDeclaration } from './resume';
import { runDeclaration } from './run';
import { scanDeclaration } from './scan';
import { scheduleDeclaration } from './schedule';
import { schedulesDeclaration } from './schedules';
import { serversDeclaration } from './servers';
import { timelineDeclaration } from './timeline';
import { whoamiDeclaration } from './whoami';
import { workerDeclaration } from './worker';
import { workersDeclaration } from './workers';

/** Every headless command, in the order `infradeck --help` lists them. */
export const commandList: readonly CommandDeclaration[] = [
  reposDeclaration,
  runDeclaration,
  jobsDeclaration,
  workersDeclaration,
  eventsDeclaration,
  auditDeclaration,
  approvalsDeclaration,
  approveDeclaration,
  rejectDeclaration,
  whoamiDeclaration,
  workerDeclaration,
  scanDeclaration,
  resourcesDeclaration,
  powerDeclaration,
  deleteDeclaration,
  serversDeclaration,
  projectsDeclaration,
  planDeclaration,
  deployDeclaration,
  destroyDeclaration,
  resumeDeclaration,
  schedulesDeclaration,
  scheduleDeclaration,
  batchDeclaration,
  pipelinesDeclaration,
  pipelineDeclaration,
  aiDeclaration,
  askDeclaration,
  adviseDeclaration,
  timelineDeclaration,
];

export function findCommand(name: string): CommandDeclaration | undefined {
  return commandList.find((c) => c.name === name);
}
