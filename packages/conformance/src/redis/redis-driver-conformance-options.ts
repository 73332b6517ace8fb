/**
 * How a Redis client package hands its driver to `describeRedisDriverConformance`: the few
 * things only the package can do, such as finding its bus's subscriber connection, or naming
 * the other client whose entries its backend must read.
 */
import type { InvalidationBus, RedisDriver } from "@apikey/core";

/** Options of `describeRedisDriverConformance`. */
export interface RedisDriverConformanceOptions {
  /**
   * Break exactly `bus`'s subscriber connection, so it must reconnect (e.g. `CLIENT KILL ID`
   * of that connection with `redisCommand`); the other buses of a check must stay subscribed.
   * Without it the bus suite's `reconnect` checks are not registered.
   */
  breakSubscriberConnection?(bus: InvalidationBus, server: { readonly url: string }): Promise<void>;
  /**
   * Another client package's driver: the wire-format checks then also run between a backend
   * (and a bus) of each driver, both ways. The checks against a raw RESP reader and writer
   * run either way.
   */
  otherDriver?: RedisDriver;
  /** Deadline of every call in the fault checks, in ms. @default 300 */
  faultCommandTimeoutMs?: number;
}
