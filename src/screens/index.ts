import type { Screen } from '../ui/screen';
import { aiScreen } from './ai/AiScreen';
import { batchScreen } from './batch/BatchScreen';
import { dashboardScreen } from './dashboard/DashboardScreen';
import { deploymentsScreen } from './deployments/DeploymentsScreen';
import { jobsScreen } from './jobs/JobsScreen';
import { pipelinesScreen } from './pipelines/PipelinesScreen';
import { reposScreen } from './repos/ReposScreen';
import { resourcesScreen } from './resources/ResourcesScreen';
import { schedulerScreen } from './scheduler/SchedulerScreen';
import { serversScreen } from './servers/ServersScreen';
import { timelineScreen } from './timeline/TimelineScreen';

/** The tabs, in order: their position is their number key (the tenth and later have none: Tab and `:`). */
export const screens: readonly Screen[] = [
  dashboardScreen,
  reposScreen,
  resourcesScreen,
  deploymentsScreen,
  jobsScreen,
  serversScreen,
  schedulerScreen,
  batchScreen,
  pipelinesScreen,
  timelineScreen,
  aiScreen,
];
