import { systematicMode } from './chaos-fixture';

/** A rollback, or a release, started just before each call of a running release, nothing stopped. */
describe('systematic chaos', () => systematicMode('overlap'));
