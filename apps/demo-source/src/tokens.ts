/** The DemoWorld (both feeds, the fault injector and the simulated clock). */
export const DEMO_WORLD = Symbol('DEMO_WORLD');

/** The simulated clock, whose speed `PUT /admin/speed` changes. */
export const DEMO_CLOCK = Symbol('DEMO_CLOCK');
