/**
 * The wire format: compact JSON of a {@link CachedApiKey}. Every backend (memory included)
 * stores this encoded form, so a read never returns the caller's object and both Redis
 * clients, and the Python reference, read each other's entries.
 */
import type { CachedApiKey } from "./backend.js";
import { ApiKeyCacheError } from "./errors.js";

/**
 * Encode a value for storage.
 * @throws ApiKeyCacheError `E_INVALID_VALUE` unless it is a JSON-safe object with
 * `apiKey: string` and `active: boolean` that round-trips through JSON unchanged.
 */
export function encodeCachedApiKey(value: CachedApiKey): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("a value must be an object with apiKey: string and active: boolean");
  }
  if (typeof value.apiKey !== "string") throw invalid("value.apiKey must be a string");
  if (typeof value.active !== "boolean") throw invalid("value.active must be a boolean");
  assertJsonSafe(value, "value", new Set());
  return JSON.stringify(value);
}

/** Decode a stored entry; `undefined` if it is not JSON or not the {@link CachedApiKey} shape. */
export function decodeCachedApiKey<V extends CachedApiKey = CachedApiKey>(
  raw: string,
): V | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  return isCachedApiKeyShape(parsed) ? (parsed as V) : undefined;
}

/** True for a plain object with `apiKey: string` and `active: boolean`. */
export function isCachedApiKeyShape(candidate: unknown): candidate is CachedApiKey {
  if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) return false;
  const record = candidate as Record<string, unknown>;
  return typeof record.apiKey === "string" && typeof record.active === "boolean";
}

function assertJsonSafe(node: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof node) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(node)) throw invalid(`${path} is ${node}, which JSON cannot hold`);
      return;
    case "object": {
      if (node === null) return;
      if (ancestors.has(node)) throw invalid(`${path} is a cycle`);
      const isArray = Array.isArray(node);
      if (!isArray) {
        const proto = Object.getPrototypeOf(node);
        if (proto !== Object.prototype && proto !== null) {
          throw invalid(
            `${path} is a ${proto?.constructor?.name ?? "class instance"}, not plain JSON`,
          );
        }
      }
      ancestors.add(node);
      if (isArray) {
        for (let index = 0; index < node.length; index++) {
          assertJsonSafe(node[index], `${path}[${index}]`, ancestors);
        }
      } else {
        for (const [field, child] of Object.entries(node)) {
          assertJsonSafe(child, `${path}.${field}`, ancestors);
        }
      }
      ancestors.delete(node);
      return;
    }
    default:
      throw invalid(
        `${path} is ${typeof node === "undefined" ? "undefined" : `a ${typeof node}`}, which JSON cannot hold`,
      );
  }
}

function invalid(message: string): ApiKeyCacheError {
  return new ApiKeyCacheError("E_INVALID_VALUE", message);
}
