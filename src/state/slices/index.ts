import { accessSlice } from './access';
import { aiSlice } from './ai';
import { assistantSlice } from './assistant';
import { batchesSlice } from './batches';
import { busSlice } from './bus';
import { cloudSlice } from './cloud';
import { eventsSlice } from './events';
import { jobsSlice } from './jobs';
import { pipelinesSlice } from './pipelines';
import { projectsSlice } from './projects';
import { reposSlice } from './repos';
import { schedulesSlice } from './schedules';
import { serversSlice } from './servers';
import { timelineSlice } from './timeline';
import { uiSlice } from './ui';
import { workersSlice } from './workers';
import { workspaceSlice } from './workspace';

/** The store's areas: each owns its state, its actions (`actions.<name>.…`) and its event reducers. */
export const deckSlices = [
  workspaceSlice,
  uiSlice,
  busSlice,
  eventsSlice,
  workersSlice,
  jobsSlice,
  cloudSlice,
  serversSlice,
  reposSlice,
  projectsSlice,
  schedulesSlice,
  batchesSlice,
  pipelinesSlice,
  assistantSlice,
  timelineSlice,
  aiSlice,
  accessSlice,
] as const;
