/**
 * An in-process invalidation bus network for tests: buses made by one network deliver to each
 * other asynchronously (a macrotask later, as a socket would), skip their own messages, and
 * go through the shared wire format. The tricky point is faults: a bus can be told its
 * subscriber link dropped, so tiered-backend tests can drive `disconnected()` and `ready()`.
 */

import { randomUUID } from "node:crypto";
import { ApiKeyCacheError } from "../errors.js";
import {
  decodeInvalidationMessage,
  encodeInvalidationMessage,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
} from "../invalidation-bus.js";

/** Options of {@link createInProcessBusNetwork}. */
export interface InProcessBusNetworkOptions {
  /**
   * Called when a subscriber's handler throws.
   * @default rethrow on a later tick, so the test runner reports it as an unhandled error
   */
  onHandlerError?(error: unknown): void;
}

/** How {@link InProcessInvalidationBus.simulateDisconnect} breaks the bus. */
export interface SimulatedDisconnectOptions {
  /** Also make `publish` reject with `E_BACKEND_UNAVAILABLE` until reconnected. @default false */
  failPublish?: boolean;
}

/** An in-process bus plus the hooks tests use to inject faults. */
export interface InProcessInvalidationBus extends InvalidationBus {
  /** True while the bus's (simulated) subscriber link is up. */
  readonly connected: boolean;
  /** True once `close()` was called. */
  readonly closed: boolean;
  /** Number of active subscriptions. */
  readonly subscriberCount: number;
  /**
   * The subscriber link drops: messages published while disconnected are lost for this bus,
   * and each subscription gets `disconnected()` before this resolves.
   */
  simulateDisconnect(options?: SimulatedDisconnectOptions): Promise<void>;
  /** The link is back: each subscription gets `ready()` before this resolves. */
  simulateReconnect(): Promise<void>;
}

/** A set of in-process buses sharing one channel. */
export interface InProcessBusNetwork {
  /** A new bus on this network (its own instance id, not subscribed yet). */
  createBus(): InProcessInvalidationBus;
  /** Every bus created so far, closed ones included. */
  readonly buses: readonly InProcessInvalidationBus[];
  /** Resolves once every delivery scheduled so far has been handed to the subscribers. */
  settled(): Promise<void>;
  /** Close every bus of the network. */
  close(): Promise<void>;
}

interface Subscription {
  readonly handlers: InvalidationHandlers;
  active: boolean;
}

interface NetworkState {
  readonly buses: InProcessBus[];
  readonly onHandlerError: (error: unknown) => void;
  pending: number;
  idleWaiters: Array<() => void>;
}

/** Rethrow outside the caller's stack, so a buggy handler surfaces as an unhandled error. */
function rethrowLater(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}

class InProcessBus implements InProcessInvalidationBus {
  readonly instanceId: string;
  readonly #network: NetworkState;
  readonly #subscriptions = new Set<Subscription>();
  #closed = false;
  #connected = true;
  #failPublish = false;

  constructor(network: NetworkState, instanceId: string) {
    this.#network = network;
    this.instanceId = instanceId;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get subscriberCount(): number {
    return this.#subscriptions.size;
  }

  async publish(message: InvalidationMessage): Promise<void> {
    if (this.#closed) throw new ApiKeyCacheError("E_CLOSED", "The invalidation bus is closed.");
    if (this.#failPublish) {
      throw new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        "The in-process invalidation bus is (simulated) disconnected.",
      );
    }
    const wire = encodeInvalidationMessage(this.instanceId, message);
    if (decodeInvalidationMessage(wire) === undefined) {
      throw new ApiKeyCacheError(
        "E_INVALID_VALUE",
        `Not a valid invalidation message: ${wire}. "set" and "delete" need a non-empty key.`,
      );
    }
    for (const bus of this.#network.buses) {
      if (bus !== this) bus.#schedule(wire);
    }
  }

  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    if (this.#closed) throw new ApiKeyCacheError("E_CLOSED", "The invalidation bus is closed.");
    const subscription: Subscription = { handlers, active: true };
    this.#subscriptions.add(subscription);
    // Like a real SUBSCRIBE, confirmation comes back asynchronously.
    await Promise.resolve();
    if (subscription.active && this.#connected) this.#call(() => handlers.ready());
    return async () => {
      subscription.active = false;
      this.#subscriptions.delete(subscription);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const subscription of this.#subscriptions) subscription.active = false;
    this.#subscriptions.clear();
  }

  async simulateDisconnect(options: SimulatedDisconnectOptions = {}): Promise<void> {
    this.#failPublish = options.failPublish === true;
    if (!this.#connected || this.#closed) return;
    this.#connected = false;
    await Promise.resolve();
    for (const subscription of [...this.#subscriptions]) {
      if (subscription.active) this.#call(() => subscription.handlers.disconnected());
    }
  }

  async simulateReconnect(): Promise<void> {
    this.#failPublish = false;
    if (this.#connected || this.#closed) return;
    this.#connected = true;
    await Promise.resolve();
    for (const subscription of [...this.#subscriptions]) {
      if (subscription.active) this.#call(() => subscription.handlers.ready());
    }
  }

  #schedule(wire: string): void {
    // Checked now and again at delivery: a message is lost if the link is down at either end.
    if (this.#closed || !this.#connected || this.#subscriptions.size === 0) return;
    const network = this.#network;
    network.pending += 1;
    setImmediate(() => {
      try {
        this.#deliver(wire);
      } finally {
        network.pending -= 1;
        if (network.pending === 0) {
          const waiters = network.idleWaiters;
          network.idleWaiters = [];
          for (const wake of waiters) wake();
        }
      }
    });
  }

  #deliver(wire: string): void {
    if (this.#closed || !this.#connected) return;
    for (const subscription of [...this.#subscriptions]) {
      if (!subscription.active) continue;
      // A fresh decode per subscriber: no two handlers share one message object.
      const decoded = decodeInvalidationMessage(wire);
      if (decoded === undefined) continue;
      const message: InvalidationMessage =
        decoded.key === undefined ? { op: decoded.op } : { op: decoded.op, key: decoded.key };
      this.#call(() => subscription.handlers.message(message));
    }
  }

  #call(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.#network.onHandlerError(error);
    }
  }
}

/**
 * A network of in-process invalidation buses: what one bus publishes reaches every other
 * bus of the same network (never itself), one macrotask later.
 *
 * ```ts
 * const network = createInProcessBusNetwork();
 * const a = network.createBus();
 * const b = network.createBus();
 * await b.subscribe({ message: (m) => seen.push(m), ready() {}, disconnected() {} });
 * await a.publish({ op: "delete", key: "k" });
 * await network.settled(); // b has seen { op: "delete", key: "k" }
 * ```
 */
export function createInProcessBusNetwork(
  options: InProcessBusNetworkOptions = {},
): InProcessBusNetwork {
  const state: NetworkState = {
    buses: [],
    onHandlerError: options.onHandlerError ?? rethrowLater,
    pending: 0,
    idleWaiters: [],
  };
  return {
    createBus(): InProcessInvalidationBus {
      const bus = new InProcessBus(state, `in-process-${randomUUID()}`);
      state.buses.push(bus);
      return bus;
    },
    get buses(): readonly InProcessInvalidationBus[] {
      return state.buses;
    },
    settled(): Promise<void> {
      if (state.pending === 0) return Promise.resolve();
      return new Promise((resolve) => state.idleWaiters.push(resolve));
    },
    async close(): Promise<void> {
      await Promise.all(state.buses.map((bus) => bus.close()));
    },
  };
}
