/**
 * A backend over a caller's own node-redis client, built with the settings this package's
 * README gives for one (an `error` listener, no offline queue, a bounded reconnect delay),
 * connecting in the background, for the caller-client checks of
 * `describeRedisDriverConformance`.
 */
import type { CallerClientBackendFactory } from "@apikey/conformance/redis";
import { createClient } from "redis";
import { NodeRedisApiKeyCacheBackend } from "../../src/index.js";

export const nodeRedisCallerClientBackend: CallerClientBackendFactory = ({ url, ...options }) => {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
  });
  client.on("error", () => {});
  client.connect().catch(() => {});
  return {
    backend: new NodeRedisApiKeyCacheBackend(client, options),
    closeClient: () => client.destroy(),
  };
};
