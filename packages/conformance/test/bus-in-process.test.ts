import { type InvalidationMessage, isApiKeyCacheError } from "@apikey/core";
import { createInProcessBusNetwork } from "@apikey/core/testing";
import { describe, expect, it } from "vitest";
import { describeInvalidationBusConformance } from "../src/bus/bus-conformance.js";
import { BusRecorder } from "../src/bus/bus-recorder.js";

const network = createInProcessBusNetwork();

describeInvalidationBusConformance("in-process bus", {
  createBus: () => network.createBus(),
  async breakSubscriberConnection(bus) {
    await bus.simulateDisconnect();
    // The link comes back on its own a moment later, as a reconnecting client would.
    setTimeout(() => void bus.simulateReconnect(), 5);
  },
});

describe("in-process bus network", () => {
  it("settled() resolves once scheduled deliveries are handed over", async () => {
    const net = createInProcessBusNetwork();
    const [a, b] = [net.createBus(), net.createBus()];
    const seen: InvalidationMessage[] = [];
    await b.subscribe({ message: (m) => seen.push(m), ready() {}, disconnected() {} });
    await a.publish({ op: "delete", key: "k" });
    expect(seen).toEqual([]);
    await net.settled();
    expect(seen).toEqual([{ op: "delete", key: "k" }]);
  });

  it("loses what is published while a bus is disconnected, and says so", async () => {
    const net = createInProcessBusNetwork();
    const [a, b] = [net.createBus(), net.createBus()];
    const recorder = new BusRecorder();
    await b.subscribe(recorder);
    await b.simulateDisconnect();
    expect(b.connected).toBe(false);
    await a.publish({ op: "delete", key: "lost" });
    await net.settled();
    await b.simulateReconnect();
    await a.publish({ op: "delete", key: "kept" });
    await net.settled();
    expect(recorder.events.map((e) => (e.type === "message" ? e.message.key : e.type))).toEqual([
      "ready",
      "disconnected",
      "ready",
      "kept",
    ]);
  });

  it("failPublish makes publish reject with E_BACKEND_UNAVAILABLE until reconnected", async () => {
    const net = createInProcessBusNetwork();
    const a = net.createBus();
    await a.simulateDisconnect({ failPublish: true });
    const error = await a.publish({ op: "clear" }).catch((e: unknown) => e);
    expect(isApiKeyCacheError(error, "E_BACKEND_UNAVAILABLE")).toBe(true);
    await a.simulateReconnect();
    await a.publish({ op: "clear" });
  });

  it("rejects a set or delete without a key", async () => {
    const a = createInProcessBusNetwork().createBus();
    await expect(a.publish({ op: "set" })).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
    await expect(a.publish({ op: "delete", key: "" })).rejects.toMatchObject({
      code: "E_INVALID_VALUE",
    });
  });

  it("reports a throwing handler to onHandlerError and keeps delivering", async () => {
    const errors: unknown[] = [];
    const net = createInProcessBusNetwork({ onHandlerError: (e) => errors.push(e) });
    const [a, b] = [net.createBus(), net.createBus()];
    const seen: string[] = [];
    await b.subscribe({
      message(m) {
        if (m.key === "boom") throw new Error("handler failed");
        seen.push(m.key ?? "");
      },
      ready() {},
      disconnected() {},
    });
    await a.publish({ op: "set", key: "boom" });
    await a.publish({ op: "set", key: "fine" });
    await net.settled();
    expect(errors).toHaveLength(1);
    expect(seen).toEqual(["fine"]);
  });

  it("hands each subscriber its own message object", async () => {
    const net = createInProcessBusNetwork();
    const [a, b] = [net.createBus(), net.createBus()];
    const seen: InvalidationMessage[] = [];
    const handlers = {
      message: (m: InvalidationMessage) => seen.push(m),
      ready() {},
      disconnected() {},
    };
    await b.subscribe(handlers);
    await b.subscribe(handlers);
    await a.publish({ op: "set", key: "k" });
    await net.settled();
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
  });

  it("close() of the network closes every bus", async () => {
    const net = createInProcessBusNetwork();
    const [a, b] = [net.createBus(), net.createBus()];
    await net.close();
    expect(net.buses.every((bus) => bus.closed)).toBe(true);
    await expect(a.publish({ op: "clear" })).rejects.toMatchObject({ code: "E_CLOSED" });
    await expect(b.subscribe(new BusRecorder())).rejects.toMatchObject({ code: "E_CLOSED" });
  });
});
