import type { InvalidationBus, InvalidationHandlers, InvalidationMessage } from "@apikey/core";
import { createInProcessBusNetwork, type InProcessInvalidationBus } from "@apikey/core/testing";
import { describe, expect, it } from "vitest";
import { runInvalidationBusChecks } from "../src/bus/bus-conformance.js";

/** Wraps an in-process bus to break one rule; the suite must notice. */
function faultyNetwork(
  wrap: (bus: InProcessInvalidationBus, all: InProcessInvalidationBus[]) => InvalidationBus,
): { createBus(): InvalidationBus } {
  const network = createInProcessBusNetwork();
  const all: InProcessInvalidationBus[] = [];
  return {
    createBus() {
      const bus = network.createBus();
      all.push(bus);
      return wrap(bus, all);
    },
  };
}

function failedIds(results: Awaited<ReturnType<typeof runInvalidationBusChecks>>): string[] {
  return results.filter((r) => r.status === "failed").map((r) => r.id);
}

describe("the bus conformance suite catches broken buses", () => {
  it("passes the in-process bus on every check, reconnect included", async () => {
    const network = createInProcessBusNetwork();
    const results = await runInvalidationBusChecks({
      createBus: () => network.createBus(),
      async breakSubscriberConnection(bus) {
        const inProcess = bus as InProcessInvalidationBus;
        await inProcess.simulateDisconnect();
        setTimeout(() => void inProcess.simulateReconnect(), 5);
      },
    });
    expect(failedIds(results)).toEqual([]);
    expect(results.filter((r) => r.status === "passed").length).toBeGreaterThanOrEqual(18);
  });

  it("reports the reconnect checks as skipped without breakSubscriberConnection", async () => {
    const network = createInProcessBusNetwork();
    const results = await runInvalidationBusChecks(
      { createBus: () => network.createBus() },
      { groups: ["reconnect"] },
    );
    expect(results.map((r) => r.status)).toEqual(["skipped", "skipped", "skipped"]);
  });

  it("fails a bus that delivers its own messages", async () => {
    const options = faultyNetwork((bus) => {
      const own = new Set<InvalidationHandlers>();
      return {
        instanceId: bus.instanceId,
        async publish(message: InvalidationMessage) {
          await bus.publish(message);
          for (const handlers of own) setImmediate(() => handlers.message({ ...message }));
        },
        async subscribe(handlers: InvalidationHandlers) {
          own.add(handlers);
          return bus.subscribe(handlers);
        },
        close: () => bus.close(),
      };
    });
    const results = await runInvalidationBusChecks(options, { groups: ["origin"] });
    expect(failedIds(results)).toEqual(["origin.ownIgnored"]);
  });

  it("fails a bus whose publish still resolves after close()", async () => {
    const options = faultyNetwork((bus) => ({
      instanceId: bus.instanceId,
      publish: async (message: InvalidationMessage) => {
        if (!bus.closed) await bus.publish(message);
      },
      subscribe: (handlers: InvalidationHandlers) => bus.subscribe(handlers),
      close: () => bus.close(),
    }));
    const results = await runInvalidationBusChecks(options, { groups: ["close"] });
    expect(failedIds(results)).toEqual(["close.publishRejects"]);
  });

  it("fails a bus whose unsubscribe does not stop delivery", async () => {
    const options = faultyNetwork((bus) => ({
      instanceId: bus.instanceId,
      publish: (message: InvalidationMessage) => bus.publish(message),
      subscribe: async (handlers: InvalidationHandlers) => {
        await bus.subscribe(handlers);
        return async () => {};
      },
      close: () => bus.close(),
    }));
    const results = await runInvalidationBusChecks(options, {
      ids: ["subscription.unsubscribeStops"],
    });
    expect(failedIds(results)).toEqual(["subscription.unsubscribeStops"]);
  });

  it("fails a bus that drops a clear message's missing key into an empty string", async () => {
    const options = faultyNetwork((bus) => ({
      instanceId: bus.instanceId,
      publish: (message: InvalidationMessage) => bus.publish(message),
      subscribe: (handlers: InvalidationHandlers) =>
        bus.subscribe({
          message: (m) => handlers.message({ op: m.op, key: m.key ?? "" }),
          ready: () => handlers.ready(),
          disconnected: () => handlers.disconnected(),
        }),
      close: () => bus.close(),
    }));
    const results = await runInvalidationBusChecks(options, { ids: ["delivery.clear"] });
    expect(failedIds(results)).toEqual(["delivery.clear"]);
  });

  it("fails a bus that never calls ready() again after a disconnect", async () => {
    const network = createInProcessBusNetwork();
    const results = await runInvalidationBusChecks(
      {
        createBus: () => network.createBus(),
        breakSubscriberConnection: (bus) => (bus as InProcessInvalidationBus).simulateDisconnect(),
        capabilities: { reconnectTimeoutMs: 300 },
      },
      { ids: ["reconnect.disconnectedThenReady"] },
    );
    expect(failedIds(results)).toEqual(["reconnect.disconnectedThenReady"]);
  });
});
