export {
  CloseCode,
  GrpcStatus,
  closeCodeRules,
  closeReason,
  grpcStatusFor,
  httpStatusFor,
  MAX_CLOSE_REASON_BYTES,
  type ClientAction,
  type CloseCodeRule,
  type Rejection,
} from './close-codes';
export {
  codecByName,
  codecName,
  DEFAULT_SLOW_CONSUMER_POLICY,
  SLOW_CONSUMER_POLICIES,
  startFor,
  type SlowConsumerPolicyName,
  type StartFrom,
  type Subscription,
} from './subscription';
export { ControlLimits, STREAM_NAME_PATTERN, type SubscriptionResult } from './subscription-schema';
export { checkMessageSize, parseControlMessage, type ControlMessage, type ControlParseResult } from './control-message';
export { fromSubscribeRequest, parseSubscribeRequestBytes } from './subscribe-request';
export { formatSseEventId, parseLastEventId, parseSseQuery, type LastEventIdResult } from './sse-query';
export { authorizeStreams, type StreamAccess } from './stream-access';
export type { GapNoticeInfo, GapReason } from './gap-notice';
export {
  ConnectionQueue,
  type ConnectionQueueOptions,
  type EnqueueOutcome,
  type OutboundItem,
  type QueueCounters,
  type QueueMetrics,
  type QueueSnapshot,
  type SnapshotSource,
} from './connection-queue';
export { StreamCursor, type CursorVerdict } from './stream-cursor';
export { ReplayLiveHandoff, type HandoffMode, type HandoffOptions, type HandoffSink } from './replay-handoff';
export { resolveStart, type SeqAtTime, type StartPlan, type StartResolution, type StreamExtent } from './start-position';
export { compileRecordFilter, entityIdOf, type JsonRecord, type RecordFilter, type RecordFilterOptions } from './record-filter';
export { UNIVERSAL_CODECS, wantsCodec, type PayloadChoice } from './codec-choice';
export { LatestState, type ApplyOutcome, type LatestStateCounters, type LatestStateOptions, type StateSnapshot } from './latest-state';
export { ReplaySlots } from './replay-slots';
