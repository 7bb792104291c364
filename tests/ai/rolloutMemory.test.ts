import { openBus } from '../../src/services/bus/openBus';
import { rolloutSuite } from './rolloutSuite';

rolloutSuite({ name: 'the memory transport', open: () => openBus({}) });
