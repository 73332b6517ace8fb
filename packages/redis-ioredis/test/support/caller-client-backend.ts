/**
 * A backend over a caller's own ioredis client, built with the settings this package's README
 * gives for one (an `error` listener, no offline queue, no resend, a bounded reconnect delay),
 * for the caller-client checks of `describeRedisDriverConformance`.
 */
import type { CallerClientBackendFactory } from "@apikey/conformance/redis";
import { Redis } from "ioredis";
import { IoredisApiKeyCacheBackend } from "../../src/index.js";

export const ioredisCallerClientBackend: CallerClientBackendFactory = ({ url, ...options }) => {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
  });
  client.on("error", () => {});
  return {
    backend: new IoredisApiKeyCacheBackend(client, options),
    closeClient: () => client.disconnect(),
  };
};
