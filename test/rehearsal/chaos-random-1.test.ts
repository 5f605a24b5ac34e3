import { randomSchedules } from './chaos-fixture';

/** Random chaos schedules, seeds 1 to 150 (of the 600 the four chaos-random files run). */
describe('chaos search', () => randomSchedules(1, 150));
