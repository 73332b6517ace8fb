/**
 * Prefixes are plain string prefixes: `clear()` on `a:` also removes the keys of a backend
 * whose prefix is `a:tenant2:`. That may be meant, but is easily not, so a driver that builds
 * a backend whose prefix extends (or is extended by) one it built before in this process, on
 * the same server, logs one warning for the pair.
 */
import type { ApiKeyCacheLogger } from "../logger.js";

/** Prefixes built per server address (`host:port`), for the lifetime of the process. */
const prefixesByServer = new Map<string, Set<string>>();

/** Note `keyPrefix` on `server`; warn once if it nests with a prefix noted before. */
export function warnOnNestedKeyPrefix(
  server: string,
  keyPrefix: string,
  logger: ApiKeyCacheLogger,
  owner: string,
): void {
  let prefixes = prefixesByServer.get(server);
  if (prefixes === undefined) {
    prefixes = new Set();
    prefixesByServer.set(server, prefixes);
  }
  if (prefixes.has(keyPrefix)) return;
  for (const other of prefixes) {
    if (!other.startsWith(keyPrefix) && !keyPrefix.startsWith(other)) continue;
    const [outer, inner] =
      other.length < keyPrefix.length ? [other, keyPrefix] : [keyPrefix, other];
    logger.warn(
      `${owner}: key prefix ${JSON.stringify(keyPrefix)} nests with ${JSON.stringify(other)} on ${server}: clear() under ${JSON.stringify(outer)} also removes the keys under ${JSON.stringify(inner)}`,
    );
    break;
  }
  prefixes.add(keyPrefix);
}
