import type { Screen } from '../app/screen';
import { dashboardScreen } from './dashboard/DashboardScreen';
import { jobsScreen } from './jobs/JobsScreen';
import { reposScreen } from './repos/ReposScreen';
import { resourcesScreen } from './resources/ResourcesScreen';

/** The tabs, in order: their position is their number key. */
export const screens: readonly Screen[] = [dashboardScreen, reposScreen, resourcesScreen, jobsScreen];
