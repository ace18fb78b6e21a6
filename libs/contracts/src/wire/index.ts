export { ChangeBatchError, changeBatchEntries, changeBatchEntrySize, encodeChangeEventBatch } from './change-batch-wire';
export { encodeChangeEvent, readChangeHead, type ChangeHead } from './change-event-wire';
export { encodeMessage } from './encode-message';
export { encodeWindowBatch, readWindowBatch } from './window-batch-wire';
