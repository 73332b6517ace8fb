/**
 * The unresponsive-socket watch's rebuild of a node-redis Sentinel client is skipped while the
 * master connection reports errors (its socket closed: a killed master, a failover in
 * progress), and still done for a master that errs not at all (a silent socket). A rebuilt
 * client shows as a `connect` event: the listeners move to the new Sentinel client.
 */
import { type RedisSentinelGroupHandle, startRedisSentinelGroup } from "@apikey/redis-test-server";
import { afterEach, expect, it } from "vitest";
import { replaceSentinelMasterConnection } from "../src/node-redis-sentinel-client.js";
import { connectedSentinelClient } from "./support/sentinel-test-client.js";

let group: RedisSentinelGroupHandle | undefined;
afterEach(async () => {
  await group?.stop();
  group = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

it("rebuilds a Sentinel client whose master reported no error", async () => {
  group = await startRedisSentinelGroup({ downAfterMs: 5_000 });
  const { client, events } = await connectedSentinelClient(group);
  try {
    const before = events.connect;
    expect(replaceSentinelMasterConnection(client)).toBe(true);
    for (let i = 0; i < 40 && events.connect === before; i++) await sleep(25);
    expect(events.connect).toBe(before + 1);
  } finally {
    client.destroy();
  }
}, 20_000);

it("does not rebuild it while its master connection reports errors (master killed)", async () => {
  group = await startRedisSentinelGroup({ downAfterMs: 5_000 });
  const { client, events } = await connectedSentinelClient(group);
  try {
    await group.master.kill();
    for (let i = 0; i < 80 && events.masterErrors === 0; i++) await sleep(25);
    expect(events.masterErrors).toBeGreaterThan(0);
    const before = events.connect;
    expect(replaceSentinelMasterConnection(client)).toBe(true);
    await sleep(500);
    expect(events.connect).toBe(before);
  } finally {
    client.destroy();
  }
}, 20_000);
