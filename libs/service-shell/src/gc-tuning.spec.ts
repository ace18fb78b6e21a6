import { tuneGarbageCollector } from './gc-tuning';

describe('tuneGarbageCollector', () => {
  it('counts Buffer memory in the global heap limit', () => {
    const flags: string[] = [];
    tuneGarbageCollector(['--enable-source-maps'], (flag) => flags.push(flag));
    expect(flags).toEqual(['--external-memory-accounted-in-global-limit']);
  });

  it.each([['--external-memory-accounted-in-global-limit'], ['--no-external-memory-accounted-in-global-limit'], ['--no_external_memory_accounted_in_global_limit']])('leaves it to the command line when it says %s', (arg) => {
    const flags: string[] = [];
    tuneGarbageCollector(['--enable-source-maps', arg], (flag) => flags.push(flag));
    expect(flags).toEqual([]);
  });
});
