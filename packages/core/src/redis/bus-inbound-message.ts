/**
 * What an invalidation bus accepts from its channel. Pub/sub has no authentication, so a
 * payload is untrusted: its size is capped before it is parsed (a 20 MB message must not cost
 * a 20 MB JSON parse), and anything that is not a well-formed message is dropped.
 */
import { decodeInvalidationMessage, type InvalidationMessage } from "../invalidation-bus.js";

/** The largest payload a bus publishes or accepts, in UTF-8 bytes (64 KiB). */
export const MAX_INVALIDATION_MESSAGE_BYTES: number = 64 * 1024;

/** A decoded message with the `origin` of the bus that published it. */
export type InboundInvalidation = InvalidationMessage & { origin: string };

/** True when `payload` takes more than {@link MAX_INVALIDATION_MESSAGE_BYTES} in UTF-8. */
export function exceedsInvalidationMessageLimit(payload: string): boolean {
  // UTF-8 takes one to three bytes per UTF-16 unit: count bytes only when the length cannot tell.
  if (payload.length > MAX_INVALIDATION_MESSAGE_BYTES) return true;
  return (
    payload.length * 3 > MAX_INVALIDATION_MESSAGE_BYTES &&
    Buffer.byteLength(payload, "utf8") > MAX_INVALIDATION_MESSAGE_BYTES
  );
}

/** The decoded message, or why it is dropped. */
export function readInboundInvalidation(
  payload: string,
): { message: InboundInvalidation } | { dropped: string } {
  if (exceedsInvalidationMessageLimit(payload)) {
    return { dropped: `larger than ${MAX_INVALIDATION_MESSAGE_BYTES} bytes` };
  }
  const message = decodeInvalidationMessage(payload);
  return message === undefined ? { dropped: "not a valid invalidation message" } : { message };
}
