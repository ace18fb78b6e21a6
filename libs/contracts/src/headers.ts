/**
 * Kafka record headers every Deltastream record carries. Values are UTF-8 strings, so `kcat -J` shows them.
 */
export const KafkaHeader = {
  /** W3C Trace Context (https://www.w3.org/TR/trace-context/). */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Follows one upstream record (or webhook call) through every hop; set once by the first producer. */
  correlationId: 'x-correlation-id',
  /** `application/x-protobuf; messageType=<fully qualified type>` — what `protoc --decode` needs. */
  contentType: 'content-type',
} as const;

export function protobufContentType(messageType: string): string {
  return `application/x-protobuf; messageType=${messageType}`;
}
