import { randomSchedules } from './chaos-fixture';

/** Random chaos schedules, seeds 151 to 300 (of the 600 the four chaos-random files run). */
describe('chaos search', () => randomSchedules(151, 150));
