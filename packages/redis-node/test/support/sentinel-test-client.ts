/**
 * A connected node-redis Sentinel client for the Sentinel tests of this package, with counts of
 * its `connect` events (a rebuilt client shows as one) and of the errors its master connection
 * reported.
 */
import { parseRedisUrl } from "@apikey/core/redis";
import type { RedisSentinelGroupHandle } from "@apikey/redis-test-server";
import { expect } from "vitest";
import { createNodeRedisSentinelClient } from "../../src/node-redis-sentinel-client.js";

/** The client and the counts of its events. */
export interface ConnectedSentinelClient {
  readonly client: ReturnType<typeof createNodeRedisSentinelClient>;
  readonly events: { connect: number; masterErrors: number };
}

/** Builds the client for `sentinels` (250 ms command deadline), connects it and PINGs through it. */
export async function connectedSentinelClient(
  sentinels: RedisSentinelGroupHandle,
): Promise<ConnectedSentinelClient> {
  const endpoint = parseRedisUrl(sentinels.url, "sentinel-test-client");
  if (endpoint.sentinel === undefined) throw new Error("not a redis+sentinel:// URL");
  const client = createNodeRedisSentinelClient(
    { endpoint: { ...endpoint, sentinel: endpoint.sentinel } },
    { commandTimeoutMs: 250 },
  );
  const events = { connect: 0, masterErrors: 0 };
  client.on("connect", () => {
    events.connect += 1;
  });
  // node-redis emits some Sentinel errors as strings ("obseve client error: ...").
  client.on("error", (error: unknown) => {
    if (error instanceof Error && error.message.startsWith("Master Client (")) {
      events.masterErrors += 1;
    }
  });
  await client.connect();
  expect(await client.sendCommand(["PING"])).toBe("PONG");
  return { client, events };
}
