import { systematicMode } from './chaos-fixture';

/** StopExecution just after each call of a release took effect (its answer not yet delivered), then at once a rollback, or a release. */
describe('systematic chaos', () => systematicMode('stop-after'));
