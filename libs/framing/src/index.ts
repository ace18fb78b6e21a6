export * from './sequencer';
