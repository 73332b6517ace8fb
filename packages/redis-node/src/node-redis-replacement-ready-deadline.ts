/**
 * The readiness deadline of a socket the package replaced. node-redis bounds a connect only
 * until the TCP connection is up (`connectTimeout`); its handshake (HELLO, CLIENT SETINFO)
 * then has no deadline but the socket idle timeout (3 s or more), and with the offline queue
 * off every call meanwhile fails at once ("client is offline"), so the engine misses no
 * deadline and never looks again. A socket replaced while its link is still half-open
 * connects into the same silence and would stay there until that idle timeout, long after
 * the link healed. So a replacement that connects but is not ready within `readyWithinMs`
 * (one command deadline) is replaced again, until one is ready or the client is closed: one
 * attempt per deadline at most, and none once the client is ready, closed or replaced anew.
 */
import type { NodeRedisClient } from "./node-redis-client.js";

/** The pending watch of each client, so a new replacement cancels the one before. */
const watches = new WeakMap<NodeRedisClient, () => void>();

/**
 * From now until `client` is ready: each time its socket connects, give its handshake
 * `readyWithinMs`, then call `replaceAgain` if it is still open and not ready. Call before
 * `connect()`.
 */
export function watchReplacementReady(
  client: NodeRedisClient,
  readyWithinMs: number,
  replaceAgain: () => void,
): void {
  watches.get(client)?.();
  let timer: NodeJS.Timeout | undefined;
  /** Bumped on each connect: only the latest socket's deadline counts. */
  let attempts = 0;
  const onConnect = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    const attempt = ++attempts;
    timer = setTimeout(() => {
      // One more turn of I/O first: after an event-loop stall the handshake reply may be unread.
      setImmediate(() => {
        if (attempt !== attempts || watches.get(client) !== stop) return;
        stop();
        if (client.isOpen && !client.isReady) replaceAgain();
      });
    }, readyWithinMs);
    timer.unref?.();
  };
  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    client.off("connect", onConnect);
    client.off("ready", stop);
    client.off("end", stop);
    if (watches.get(client) === stop) watches.delete(client);
  };
  client.on("connect", onConnect);
  client.on("ready", stop);
  client.on("end", stop);
  watches.set(client, stop);
}
