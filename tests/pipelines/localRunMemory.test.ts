import { openBus } from '../../src/services/bus/openBus';
import { localRunSuite } from './localRunSuite';

localRunSuite({ name: 'the memory transport', open: (opts) => openBus(opts) });
