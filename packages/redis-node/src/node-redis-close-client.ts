/**
 * Closing a node-redis client the package owns: gracefully (pending replies drained) within a
 * deadline, then destroyed, so a hung server can never keep `close()` waiting.
 */
import type { NodeRedisClient, NodeRedisClientOrCluster } from "./node-redis-client.js";

/**
 * Close a client gracefully within `timeoutMs` (a hung server would keep `close()` waiting
 * for replies forever), then destroy it. Never throws.
 */
export async function closeClient(
  client: NodeRedisClientOrCluster | NodeRedisClient,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    if (client.isOpen) {
      await Promise.race([
        client.close(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
    }
  } catch {
    // Already closed, or closing failed: destroy() below releases the socket either way.
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    try {
      client.destroy();
    } catch {
      // destroy() of an already destroyed client: nothing left to release.
    }
  }
}
