import { systematicMode } from './chaos-fixture';

/** StopExecution just before each call of a release takes effect, then at once a rollback, or a release. */
describe('systematic chaos', () => systematicMode('stop-before'));
