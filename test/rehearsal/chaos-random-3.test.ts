import { randomSchedules } from './chaos-fixture';

/** Random chaos schedules, seeds 301 to 450 (of the 600 the four chaos-random files run). */
describe('chaos search', () => randomSchedules(301, 150));
