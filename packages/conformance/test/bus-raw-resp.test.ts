/**
 * The bus suite against real Redis pub/sub, through a minimal bus written on the raw RESP
 * helpers: proves the suite's assumptions (ordering barriers, reconnect after CLIENT KILL)
 * hold on a real server, and shows how a Redis bus wires `breakSubscriberConnection`.
 */
import { randomUUID } from "node:crypto";
import {
  ApiKeyCacheError,
  decodeInvalidationMessage,
  encodeInvalidationMessage,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
  invalidationChannel,
} from "@apikey/core";
import { killRedisClients, type RedisTarget, RespConnection } from "@apikey/redis-test-server";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { describeInvalidationBusConformance } from "../src/bus/bus-conformance.js";

class RawRespInvalidationBus implements InvalidationBus {
  readonly instanceId: string = randomUUID();
  readonly #target: RedisTarget;
  readonly #channel: string;
  readonly #handlers = new Set<InvalidationHandlers>();
  #publisher: Promise<RespConnection> | undefined;
  subscriber: RespConnection | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(target: RedisTarget, channel: string) {
    this.#target = target;
    this.#channel = channel;
  }

  async publish(message: InvalidationMessage): Promise<void> {
    if (this.#closed) throw new ApiKeyCacheError("E_CLOSED", "closed");
    this.#publisher ??= RespConnection.open(this.#target);
    const connection = await this.#publisher;
    await connection.command([
      "PUBLISH",
      this.#channel,
      encodeInvalidationMessage(this.instanceId, message),
    ]);
  }

  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    if (this.#closed) throw new ApiKeyCacheError("E_CLOSED", "closed");
    this.#handlers.add(handlers);
    if (this.subscriber === undefined) {
      this.#connecting ??= this.#connect();
      await this.#connecting;
    } else {
      handlers.ready();
    }
    return async () => {
      this.#handlers.delete(handlers);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    this.subscriber?.close();
    (await this.#publisher?.catch(() => undefined))?.close();
  }

  async #connect(): Promise<void> {
    for (let attempt = 0; attempt < 200 && !this.#closed; attempt += 1) {
      try {
        const connection = await RespConnection.open(this.#target, { timeoutMs: 1_000 });
        connection.onPush((reply) => {
          if (!Array.isArray(reply) || reply[0] !== "message") return;
          const decoded = decodeInvalidationMessage(String(reply[2]));
          if (decoded === undefined || decoded.origin === this.instanceId) return;
          const message: InvalidationMessage =
            decoded.key === undefined ? { op: decoded.op } : { op: decoded.op, key: decoded.key };
          for (const handlers of this.#handlers) handlers.message(message);
        });
        await connection.command(["SUBSCRIBE", this.#channel]);
        connection.onClose(() => {
          if (this.#closed) return;
          this.subscriber = undefined;
          for (const handlers of this.#handlers) handlers.disconnected();
          this.#connecting = this.#connect();
        });
        this.subscriber = connection;
        for (const handlers of this.#handlers) handlers.ready();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

const redis = useRedisServer();
const channel = invalidationChannel(`bus-suite-${randomUUID()}:`);

describeInvalidationBusConformance("raw RESP bus on redis-server", {
  createBus: () => new RawRespInvalidationBus(redis.url, channel),
  async breakSubscriberConnection(bus) {
    const address = bus.subscriber?.localAddress;
    if (address === undefined) throw new Error("the bus has no subscriber connection");
    const killed = await killRedisClients(redis.url, (client) => client.addr === address);
    if (killed !== 1) throw new Error(`expected to kill 1 subscriber connection, killed ${killed}`);
  },
});
