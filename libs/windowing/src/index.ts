export type { EmittedWindow, FlushReason, IgnoredCounters, PartitionCheckpoint, RecordSlot, StreamWindowConfig, WindowEvent, WindowingCounters, WindowMode } from './types';
export { WindowingConfigError, type ByteBudgetConfig } from './config';
export { WindowingStateError } from './resume-state';
export { compareVersions } from './version-order';
export { Windower, type WindowerOptions, type WindowingCountersSnapshot } from './windower';
export { MAX_CHANGES_PER_RECORD } from './record-position';
