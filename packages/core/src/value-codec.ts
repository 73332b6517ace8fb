/**
 * The wire format: compact JSON of a {@link CachedApiKey}, so both Redis clients, and the
 * original Python module, read each other's entries (docs/architecture.md, "The wire format").
 * What a backend hands out is deep-frozen: decoding freezes once per read, and the memory
 * backend keeps a frozen copy, so a returned value can never change what another read sees
 * (docs/architecture.md, "The backend protocol").
 *
 * The tricky point is validating what is actually encoded: a getter or a proxy may answer
 * differently on each read. So one pass reads every field exactly once, checks it and copies it
 * into plain data, bounded in depth ({@link MAX_VALUE_DEPTH}); the copy is what gets encoded.
 */
import type { CachedApiKey } from "./backend.js";
import { ApiKeyCacheError } from "./errors.js";

/**
 * The deepest nesting a cached value may have, counting the record itself as level 1 and each
 * object or array inside it as one more level. Deeper values are refused with
 * `E_INVALID_VALUE` (they would otherwise overflow the stack of the JSON encoder).
 */
export const MAX_VALUE_DEPTH = 64;

/**
 * Encode a value for storage.
 * @throws ApiKeyCacheError `E_INVALID_VALUE` unless it is a JSON-safe object with
 * `apiKey: string` and `active: boolean`, nested at most {@link MAX_VALUE_DEPTH} levels, that
 * round-trips through JSON unchanged.
 */
export function encodeCachedApiKey(value: CachedApiKey): string {
  return JSON.stringify(copyCachedApiKey(value));
}

/**
 * Check a value the way {@link encodeCachedApiKey} does and return a plain-data copy of it:
 * every field read exactly once, so the copy is what was checked (a getter cannot answer
 * differently later). Encoding the copy gives the same JSON as encoding `value` once.
 * @throws ApiKeyCacheError `E_INVALID_VALUE`, as {@link encodeCachedApiKey}.
 */
export function copyCachedApiKey<V extends CachedApiKey>(value: V): V {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("a value must be an object with apiKey: string and active: boolean");
  }
  const copy = copyJson(value, "value", 1, new Set()) as V;
  if (typeof copy.apiKey !== "string") throw invalid("value.apiKey must be a string");
  if (typeof copy.active !== "boolean") throw invalid("value.active must be a boolean");
  return copy;
}

/**
 * Check and copy a value as {@link copyCachedApiKey} does, and deep-freeze the copy: what a
 * backend that keeps objects (the memory backend) stores and hands out.
 * @throws ApiKeyCacheError `E_INVALID_VALUE`, as {@link encodeCachedApiKey}.
 */
export function frozenCopyOfCachedApiKey<V extends CachedApiKey>(value: V): V {
  return deepFreezeJson(copyCachedApiKey(value));
}

/**
 * Decode a stored entry into a deep-frozen record (every object and array in it frozen, so
 * mutating it throws in strict mode); `undefined` if it is not JSON or not the
 * {@link CachedApiKey} shape.
 */
export function decodeCachedApiKey<V extends CachedApiKey = CachedApiKey>(
  raw: string,
): V | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  return isCachedApiKeyShape(parsed) ? deepFreezeJson(parsed as V) : undefined;
}

/**
 * Freeze every object and array of freshly built JSON data (parsed or copied: no cycles, no
 * shared or frozen parts) in place. An explicit stack, not recursion: a parsed entry written
 * by another program may nest deeper than the stack allows. On every read of a Redis backend,
 * so it allocates nothing for a record without nested parts: own keys through `for...in` (no
 * `Object.values` array; `Object.hasOwn` skips anything enumerable on a polluted prototype) and
 * the stack only once a nested part is met.
 */
function deepFreezeJson<T extends object>(root: T): T {
  let pending: object[] | undefined;
  let node: object | undefined = root;
  while (node !== undefined) {
    Object.freeze(node);
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) pending = withNested(pending, node[index]);
    } else {
      const record = node as Record<string, unknown>;
      for (const field in record) {
        if (Object.hasOwn(record, field)) pending = withNested(pending, record[field]);
      }
    }
    node = pending?.pop();
  }
  return root;
}

/** `pending` with `child` pushed if it is an object or array (the array made on first use). */
function withNested(pending: object[] | undefined, child: unknown): object[] | undefined {
  if (typeof child !== "object" || child === null) return pending;
  if (pending === undefined) return [child];
  pending.push(child);
  return pending;
}

/** True for a plain object with `apiKey: string` and `active: boolean`. */
export function isCachedApiKeyShape(candidate: unknown): candidate is CachedApiKey {
  if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) return false;
  const record = candidate as Record<string, unknown>;
  return typeof record.apiKey === "string" && typeof record.active === "boolean";
}

/**
 * Copy one JSON-safe node, reading each field once. Recursion is bounded by
 * {@link MAX_VALUE_DEPTH}, so it cannot overflow the stack whatever the input.
 */
function copyJson(node: unknown, path: string, depth: number, ancestors: Set<object>): unknown {
  switch (typeof node) {
    case "string":
    case "boolean":
      return node;
    case "number":
      if (!Number.isFinite(node)) throw invalid(`${path} is ${node}, which JSON cannot hold`);
      return node;
    case "object": {
      if (node === null) return null;
      if (ancestors.has(node)) throw invalid(`${path} is a cycle`);
      if (depth > MAX_VALUE_DEPTH) {
        throw invalid(
          `value nests objects and arrays deeper than ${MAX_VALUE_DEPTH} levels (at ${path.slice(0, 80)}…)`,
        );
      }
      ancestors.add(node);
      const copy = Array.isArray(node)
        ? copyArray(node, path, depth, ancestors)
        : copyObject(node, path, depth, ancestors);
      ancestors.delete(node);
      return copy;
    }
    default:
      throw invalid(
        `${path} is ${typeof node === "undefined" ? "undefined" : `a ${typeof node}`}, which JSON cannot hold`,
      );
  }
}

function copyArray(
  node: readonly unknown[],
  path: string,
  depth: number,
  ancestors: Set<object>,
): unknown[] {
  const length = node.length;
  const copy = new Array<unknown>(length);
  for (let index = 0; index < length; index++) {
    copy[index] = copyJson(node[index], `${path}[${index}]`, depth + 1, ancestors);
  }
  return copy;
}

function copyObject(
  node: object,
  path: string,
  depth: number,
  ancestors: Set<object>,
): Record<string, unknown> {
  const proto = Object.getPrototypeOf(node);
  if (proto !== Object.prototype && proto !== null) {
    throw invalid(`${path} is a ${proto?.constructor?.name ?? "class instance"}, not plain JSON`);
  }
  const copy: Record<string, unknown> = {};
  for (const [field, child] of Object.entries(node)) {
    const copied = copyJson(child, `${path}.${field}`, depth + 1, ancestors);
    if (field === "__proto__") {
      // Plain assignment would set the copy's prototype instead of a field named "__proto__".
      Object.defineProperty(copy, field, {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      copy[field] = copied;
    }
  }
  return copy;
}

function invalid(message: string): ApiKeyCacheError {
  return new ApiKeyCacheError("E_INVALID_VALUE", message);
}
