/**
 * The invalidation-bus conformance checks, by group. Every check uses keys carrying its own
 * token, because all buses of a suite run share one channel. "Nothing arrived" is always
 * asserted after a barrier: a later message that did arrive on the same connection.
 */
import {
  AssertionError,
  deepStrictEqual,
  notStrictEqual,
  ok,
  strictEqual,
} from "node:assert/strict";
import { type InvalidationBus, type InvalidationMessage, isApiKeyCacheError } from "@apikey/core";
import { stampCheckGroup } from "../conformance-check.js";
import type { BusCheck, BusCheckContext, BusCheckGroup } from "./bus-check.js";
import type { BusRecorder } from "./bus-recorder.js";

type BusCheckDefinition = Omit<BusCheck, "group" | "id"> & { readonly name: string };

function define(
  group: BusCheckGroup,
  definitions: readonly BusCheckDefinition[],
): readonly BusCheck[] {
  return stampCheckGroup(group, definitions);
}

const is =
  (op: InvalidationMessage["op"], key?: string) =>
  (message: InvalidationMessage): boolean =>
    message.op === op && message.key === key;

/** Just op and key: implementations may hand over extra fields. */
const pick = (m: InvalidationMessage): InvalidationMessage =>
  m.key === undefined ? { op: m.op } : { op: m.op, key: m.key };

/** The messages of a recorder whose key belongs to this check. */
function ownMessages(recorder: BusRecorder, context: BusCheckContext): InvalidationMessage[] {
  return recorder.messages.filter((m) => m.key?.includes(context.token) === true);
}

async function expectClosedError(work: Promise<unknown>, what: string): Promise<void> {
  const outcome = await work.then(
    () => ({ failed: false as const }),
    (error: unknown) => ({ failed: true as const, error }),
  );
  if (!outcome.failed) throw new AssertionError({ message: `${what} resolved; expected E_CLOSED` });
  ok(
    isApiKeyCacheError(outcome.error, "E_CLOSED"),
    `${what} rejected with ${String(outcome.error)}; expected an ApiKeyCacheError with code E_CLOSED`,
  );
}

/**
 * Wait (up to `eventTimeoutMs`) for `recorder` to receive `expected`'s op and key at or after
 * event `from`; resolves with its event index. `what` names it in the failure message.
 */
function expectMessage(
  context: BusCheckContext,
  recorder: BusRecorder,
  expected: InvalidationMessage,
  what = `{ op: "${expected.op}", key: ${expected.key} }`,
  from = 0,
): Promise<number> {
  return recorder.waitForMessage(is(expected.op, expected.key), what, context.eventTimeoutMs, from);
}

/**
 * Break `bus`'s subscriber connection, then wait for `disconnected()` and a renewed `ready()`
 * after it on `recorder`; resolves with the index of that `ready()`.
 */
async function breakAndAwaitReady(
  context: BusCheckContext,
  bus: InvalidationBus,
  recorder: BusRecorder,
): Promise<number> {
  const from = recorder.events.length;
  await context.breakSubscriberConnection(bus);
  const lost = await recorder.waitFor(
    (e) => e.type === "disconnected",
    "disconnected()",
    context.eventTimeoutMs,
    from,
  );
  return recorder.waitFor(
    (e) => e.type === "ready",
    "ready() after disconnected()",
    context.reconnectTimeoutMs,
    lost + 1,
  );
}

/** A publisher and a subscribed receiver. */
async function pair(
  context: BusCheckContext,
): Promise<{ publisher: InvalidationBus; receiver: BusRecorder }> {
  const publisher = await context.createBus();
  const receiverBus = await context.createBus();
  return { publisher, receiver: await context.subscribe(receiverBus) };
}

export const busDeliveryChecks: readonly BusCheck[] = define("delivery", [
  {
    name: "set",
    title: "delivers a set message with its key to another bus",
    async run(context) {
      const { publisher, receiver } = await pair(context);
      const key = `${context.token}:set`;
      await publisher.publish({ op: "set", key });
      const index = await expectMessage(context, receiver, { op: "set", key });
      const event = receiver.events[index];
      deepStrictEqual(event?.type === "message" ? pick(event.message) : event, { op: "set", key });
    },
  },
  {
    name: "delete",
    title: "delivers a delete message with its key to another bus",
    async run(context) {
      const { publisher, receiver } = await pair(context);
      const key = `${context.token}:delete`;
      await publisher.publish({ op: "delete", key });
      await expectMessage(context, receiver, { op: "delete", key });
    },
  },
  {
    name: "clear",
    title: "delivers a clear message without a key to another bus",
    async run(context) {
      const { publisher, receiver } = await pair(context);
      await publisher.publish({ op: "clear" });
      const index = await receiver.waitForMessage(
        (m) => m.op === "clear",
        `{ op: "clear" }`,
        context.eventTimeoutMs,
      );
      const event = receiver.events[index];
      strictEqual(event?.type === "message" ? event.message.key : "not a message", undefined);
    },
  },
  {
    name: "order",
    title: "delivers one publisher's messages in publish order",
    async run(context) {
      const { publisher, receiver } = await pair(context);
      const sent: InvalidationMessage[] = [];
      for (let i = 0; i < 20; i += 1) {
        const message: InvalidationMessage = {
          op: i % 2 === 0 ? "set" : "delete",
          key: `${context.token}:${i}`,
        };
        sent.push(message);
        await publisher.publish(message);
      }
      const last = sent[sent.length - 1] as InvalidationMessage;
      await expectMessage(context, receiver, last, "the last of 20 messages");
      deepStrictEqual(ownMessages(receiver, context).map(pick), sent);
    },
  },
  {
    name: "concurrentPublishes",
    title: "delivers every one of many concurrent publishes exactly once",
    async run(context) {
      const { publisher, receiver } = await pair(context);
      const keys = Array.from({ length: 50 }, (_, i) => `${context.token}:burst:${i}`);
      await Promise.all(keys.map((key) => publisher.publish({ op: "delete", key })));
      for (const key of keys) {
        await expectMessage(context, receiver, { op: "delete", key });
      }
      deepStrictEqual(
        ownMessages(receiver, context)
          .map((m) => m.key)
          .sort(),
        [...keys].sort(),
      );
    },
  },
  {
    name: "fanOut",
    title: "delivers to every other subscribed bus",
    async run(context) {
      const publisher = await context.createBus();
      const receivers = [
        await context.subscribe(await context.createBus()),
        await context.subscribe(await context.createBus()),
      ];
      const key = `${context.token}:fan-out`;
      await publisher.publish({ op: "delete", key });
      for (const receiver of receivers) {
        await expectMessage(context, receiver, { op: "delete", key });
      }
    },
  },
  {
    name: "awkwardKeys",
    title: "delivers keys with glob, quote, backslash, unicode and whitespace characters intact",
    async run(context) {
      const { publisher, receiver } = await pair(context);
      const keys = [
        `${context.token}:*?[a-z]\\`,
        `${context.token}:"quoted" 'single'`,
        `${context.token}:ключ 🔑 キー`,
        `${context.token}:tab\tnew\nline`,
        `${context.token}:${"x".repeat(1_000)}`,
      ];
      for (const key of keys) await publisher.publish({ op: "delete", key });
      for (const key of keys) {
        await expectMessage(
          context,
          receiver,
          { op: "delete", key },
          `the key ${JSON.stringify(key)}`,
        );
      }
    },
  },
]);

export const busOriginChecks: readonly BusCheck[] = define("origin", [
  {
    name: "ownIgnored",
    title: "never delivers a bus's own messages to it",
    async run(context) {
      const self = await context.createBus();
      const other = await context.createBus();
      const recorder = await context.subscribe(self);
      const ownKey = `${context.token}:own`;
      const otherKey = `${context.token}:other`;
      await self.publish({ op: "set", key: ownKey });
      await self.publish({ op: "clear" });
      // Published after ours completed, so it arrives after them on the same connection.
      await other.publish({ op: "delete", key: otherKey });
      await expectMessage(
        context,
        recorder,
        { op: "delete", key: otherKey },
        "the other bus's message",
      );
      deepStrictEqual(ownMessages(recorder, context).map(pick), [{ op: "delete", key: otherKey }]);
      ok(!recorder.messages.some((m) => m.op === "clear"), "a bus received its own clear message");
    },
  },
  {
    name: "distinctIds",
    title: "gives every bus its own non-empty instanceId",
    async run(context) {
      const first = await context.createBus();
      const second = await context.createBus();
      ok(
        typeof first.instanceId === "string" && first.instanceId.length > 0,
        "instanceId is empty",
      );
      notStrictEqual(first.instanceId, second.instanceId);
    },
  },
]);

export const busSubscriptionChecks: readonly BusCheck[] = define("subscription", [
  {
    name: "readyAfterSubscribe",
    title: "calls ready() after subscribe, before any disconnected()",
    async run(context) {
      const recorder = await context.subscribe(await context.createBus());
      strictEqual(recorder.events.find((e) => e.type !== "message")?.type, "ready");
    },
  },
  {
    name: "unsubscribeStops",
    title: "delivers nothing to handlers after their unsubscribe resolved",
    async run(context) {
      const publisher = await context.createBus();
      const bus = await context.createBus();
      const before = await context.subscribe(bus);
      await before.unsubscribe?.();
      // The same bus subscribed again is the barrier: it shares the connection `before` used.
      const after = await context.subscribe(bus);
      const key = `${context.token}:after-unsubscribe`;
      await publisher.publish({ op: "delete", key });
      await expectMessage(
        context,
        after,
        { op: "delete", key },
        "the message on the new subscription",
      );
      deepStrictEqual(before.messages, [], "handlers got a message after unsubscribe");
    },
  },
  {
    name: "unsubscribeIdempotent",
    title: "unsubscribe can be called twice",
    async run(context) {
      const recorder = await context.subscribe(await context.createBus());
      await recorder.unsubscribe?.();
      await recorder.unsubscribe?.();
    },
  },
]);

export const busCloseChecks: readonly BusCheck[] = define("close", [
  {
    name: "idempotent",
    title: "close() is idempotent",
    async run(context) {
      const bus = await context.createBus();
      await context.subscribe(bus);
      await bus.close();
      await bus.close();
    },
  },
  {
    name: "publishRejects",
    title: "publish after close() rejects with E_CLOSED",
    async run(context) {
      const bus = await context.createBus();
      await bus.close();
      await expectClosedError(
        bus.publish({ op: "delete", key: `${context.token}:closed` }),
        "publish after close()",
      );
    },
  },
  {
    name: "subscribeRejects",
    title: "subscribe after close() rejects with E_CLOSED",
    async run(context) {
      const bus = await context.createBus();
      await bus.close();
      await expectClosedError(
        bus.subscribe({ message() {}, ready() {}, disconnected() {} }),
        "subscribe after close()",
      );
    },
  },
  {
    name: "stopsDelivery",
    title: "a closed bus delivers nothing, and the others keep receiving",
    async run(context) {
      const publisher = await context.createBus();
      const closing = await context.createBus();
      const closed = await context.subscribe(closing);
      const open = await context.subscribe(await context.createBus());
      await closing.close();
      const key = `${context.token}:after-close`;
      await publisher.publish({ op: "delete", key });
      await expectMessage(context, open, { op: "delete", key }, "the message on the open bus");
      deepStrictEqual(ownMessages(closed, context), [], "a closed bus delivered a message");
    },
  },
]);

const noBreak = (options: { breakSubscriberConnection?: unknown }): string | undefined =>
  options.breakSubscriberConnection === undefined
    ? "no breakSubscriberConnection option"
    : undefined;

export const busReconnectChecks: readonly BusCheck[] = define("reconnect", [
  {
    name: "disconnectedThenReady",
    title: "after the subscriber connection breaks, calls disconnected() and then ready() again",
    unsupportedReason: noBreak,
    timeoutMs: 30_000,
    async run(context) {
      const bus = await context.createBus();
      const recorder = await context.subscribe(bus);
      await breakAndAwaitReady(context, bus, recorder);
    },
  },
  {
    name: "deliversAfterReady",
    title: "delivers messages published after the renewed ready()",
    unsupportedReason: noBreak,
    timeoutMs: 30_000,
    async run(context) {
      const publisher = await context.createBus();
      const bus = await context.createBus();
      const recorder = await context.subscribe(bus);
      const back = await breakAndAwaitReady(context, bus, recorder);
      const key = `${context.token}:after-reconnect`;
      await publisher.publish({ op: "set", key });
      await expectMessage(
        context,
        recorder,
        { op: "set", key },
        "the message published after ready()",
        back,
      );
    },
  },
  {
    name: "publishesAfterReconnect",
    title: "a bus whose subscriber reconnected still publishes to the others",
    unsupportedReason: noBreak,
    timeoutMs: 30_000,
    async run(context) {
      const bus = await context.createBus();
      const recorder = await context.subscribe(bus);
      const other = await context.subscribe(await context.createBus());
      await breakAndAwaitReady(context, bus, recorder);
      const key = `${context.token}:from-reconnected`;
      await bus.publish({ op: "delete", key });
      await expectMessage(context, other, { op: "delete", key }, "the reconnected bus's message");
    },
  },
]);

/** Every bus check, grouped. */
export const busChecks: Readonly<Record<BusCheckGroup, readonly BusCheck[]>> = {
  delivery: busDeliveryChecks,
  origin: busOriginChecks,
  subscription: busSubscriptionChecks,
  close: busCloseChecks,
  reconnect: busReconnectChecks,
};
