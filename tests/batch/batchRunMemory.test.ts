import { openBus } from '../../src/services/bus/openBus';
import { batchRunSuite } from './batchRunSuite';

batchRunSuite({ name: 'the memory transport', open: (opts) => openBus(opts) });
