import { randomSchedules } from './chaos-fixture';

/** Random chaos schedules, seeds 451 to 600 (of the 600 the four chaos-random files run). */
describe('chaos search', () => randomSchedules(451, 150));
