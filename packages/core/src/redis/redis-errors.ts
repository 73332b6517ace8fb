/**
 * How client errors are told apart and passed on. The tricky point is secrets: a client's
 * error object may carry the command it failed on (ioredis attaches `command.args`, which for
 * SET holds the value and for AUTH the password), so a `cause` is always a fresh error with
 * the message only, credentials of any URL in it redacted.
 */
import { redactUrlCredentials } from "./redis-url.js";

/** A Redis or client error, reduced to its name and redacted message: safe as a `cause`. */
export class RedisClientError extends Error {
  override readonly name: string;

  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `error` as a {@link RedisClientError}: no properties but name and redacted message. */
export function safeCause(error: unknown): RedisClientError {
  if (error instanceof RedisClientError) return error;
  const name = error instanceof Error ? error.name : "Error";
  return new RedisClientError(name, redactUrlCredentials(errorMessage(error)));
}

/** A WRONGTYPE reply: the key holds a hash, list, ... instead of a string. */
export function isWrongTypeError(error: unknown): boolean {
  return errorMessage(error).startsWith("WRONGTYPE");
}

/**
 * An authentication failure: a wrong password or unknown ACL user (`WRONGPASS`), a password
 * required but not given (`NOAUTH`), or a password given to a server without one. A cluster
 * client may wrap the node's error (ioredis `lastNodeError`), so that is looked at too.
 */
export function isAuthError(error: unknown): boolean {
  if (error === undefined || error === null) return false;
  const message = errorMessage(error);
  if (/\b(WRONGPASS|NOAUTH)\b|AUTH <password> called without any password/.test(message)) {
    return true;
  }
  const nested = (error as { lastNodeError?: unknown; cause?: unknown }).lastNodeError;
  return nested !== undefined && nested !== error && isAuthError(nested);
}
