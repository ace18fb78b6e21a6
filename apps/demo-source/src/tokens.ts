/** The DemoWorld (both feeds, the fault injector and the simulated clock). */
export const DEMO_WORLD = Symbol('DEMO_WORLD');
