/**
 * How a Redis client package hands its driver to `describeRedisDriverConformance`: the few
 * things only the package can do, such as finding its bus's subscriber connection, or naming
 * the other client whose entries its backend must read.
 */
import type { ApiKeyCacheBackend, InvalidationBus, RedisDriver } from "@apikey/core";
import type { CallerClientBackendFactory } from "./caller-client-backend.js";

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
  /**
   * A backend over a client the test builds itself, as an application passing its own does.
   * With it, the `getWithTtl()` checks and one authentication check also run over such
   * backends; without it they run over the driver's own backends only.
   */
  callerClientBackend?: CallerClientBackendFactory;
  /**
   * Whether the client under a backend `driver` built is connected and ready, read off the
   * client itself (e.g. ioredis `status === "ready"`, node-redis `isReady`), never through the
   * backend. Without it the check that a write which missed its deadline is never sent later
   * is not registered.
   */
  isBackendClientReady?(backend: ApiKeyCacheBackend): boolean;
  /** Deadline of every call in the fault checks, in ms. @default 300 */
  faultCommandTimeoutMs?: number;
}
