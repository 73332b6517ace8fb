import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
  type BusEvent,
  DIAGNOSTICS_CHANNELS,
  InMemoryApiKeyCacheBackend,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";
import { expect, it } from "vitest";

it("a tiered backend publishes apikey-cache:bus when its bus becomes ready and when it is lost", async () => {
  const events: BusEvent[] = [];
  const listener = (event: unknown): void => {
    events.push(event as BusEvent);
  };
  subscribe(DIAGNOSTICS_CHANNELS.bus, listener);
  const network = createInProcessBusNetwork();
  const bus = network.createBus();
  const tiered = new TieredApiKeyCacheBackend({
    local: new InMemoryApiKeyCacheBackend(),
    remote: new InMemoryApiKeyCacheBackend(),
    bus,
    logger: silentLogger,
  });
  try {
    for (let waited = 0; !tiered.l1Enabled && waited < 2_000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await bus.simulateDisconnect();
    await bus.simulateReconnect();
    expect(events).toEqual([{ state: "ready" }, { state: "disconnected" }, { state: "ready" }]);
  } finally {
    unsubscribe(DIAGNOSTICS_CHANNELS.bus, listener);
    await tiered.close();
    await network.close();
  }
});
