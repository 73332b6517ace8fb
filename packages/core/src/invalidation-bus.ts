/**
 * The invalidation-bus protocol: how tiered backends in different processes tell each other
 * that an entry changed. Implemented over Redis pub/sub by the Redis packages; the wire
 * format below is shared by every implementation.
 */
import { ApiKeyCacheError } from "./errors.js";

/** One invalidation: a key was set or deleted, or the whole namespace was cleared. */
export interface InvalidationMessage {
  op: "set" | "delete" | "clear";
  /** The cache key (absent for `clear`). */
  key?: string;
}

/** Callbacks a subscriber gives to {@link InvalidationBus.subscribe}. */
export interface InvalidationHandlers {
  /** A message published by another instance (never this bus's own). */
  message(message: InvalidationMessage): void;
  /** (Re)subscribed: from now on no message is missed. */
  ready(): void;
  /** The subscription was lost: messages may be missed until the next `ready()`. */
  disconnected(): void;
}

/** Broadcasts invalidations between processes. */
export interface InvalidationBus {
  /** Stamped as `origin` on what this bus publishes; messages with this origin are ignored. */
  readonly instanceId: string;
  /** Publish to every other subscriber. Rejects (`E_BACKEND_UNAVAILABLE`) if the store did not take it. */
  publish(message: InvalidationMessage): Promise<void>;
  /** Start delivering messages; resolves to a function that unsubscribes. */
  subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>>;
  /** Close the connections the bus owns. Idempotent. */
  close(): Promise<void>;
}

/**
 * Check a message before it is published, the same way in every bus: what passes here is
 * exactly what {@link decodeInvalidationMessage} accepts on the other side.
 *
 * @throws ApiKeyCacheError `E_INVALID_VALUE` if `message` is not an object or its `op` is not
 * `"set"`, `"delete"` or `"clear"`; `E_INVALID_KEY` if a `"set"` or `"delete"` has no key, or
 * a key that is not a non-empty string (`key` is ignored for `"clear"`).
 */
export function assertInvalidationMessage(
  message: unknown,
): asserts message is InvalidationMessage {
  if (typeof message !== "object" || message === null) {
    throw new ApiKeyCacheError(
      "E_INVALID_VALUE",
      `invalidation message must be an object like {op: "delete", key}, got ${message === null ? "null" : typeof message}`,
    );
  }
  const { op, key } = message as Record<string, unknown>;
  if (op !== "set" && op !== "delete" && op !== "clear") {
    throw new ApiKeyCacheError(
      "E_INVALID_VALUE",
      `invalidation message op must be "set", "delete" or "clear", got ${typeof op === "string" ? JSON.stringify(op) : typeof op}`,
    );
  }
  if (op !== "clear" && (typeof key !== "string" || key.length === 0)) {
    throw new ApiKeyCacheError(
      "E_INVALID_KEY",
      `invalidation message key must be a non-empty string for op "${op}"`,
    );
  }
}

/** The channel of a key prefix: `<keyPrefix>__invalidate`. */
export function invalidationChannel(keyPrefix: string): string {
  return `${keyPrefix}__invalidate`;
}

/** Wire format: `{"v":1,"origin":<id>,"op":...,"key"?:...}`. */
export function encodeInvalidationMessage(origin: string, message: InvalidationMessage): string {
  return JSON.stringify(
    message.key === undefined
      ? { v: 1, origin, op: message.op }
      : { v: 1, origin, op: message.op, key: message.key },
  );
}

/** Parse a wire message; `undefined` if it is malformed or of an unknown version. */
export function decodeInvalidationMessage(
  raw: string,
): (InvalidationMessage & { origin: string }) | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const m = parsed as Record<string, unknown>;
  if (m.v !== 1 || typeof m.origin !== "string") return undefined;
  if (m.op === "clear") return { origin: m.origin, op: "clear" };
  if ((m.op === "set" || m.op === "delete") && typeof m.key === "string" && m.key.length > 0) {
    return { origin: m.origin, op: m.op, key: m.key };
  }
  return undefined;
}
