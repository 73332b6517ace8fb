/**
 * The handlers subscribed to one invalidation bus, called in isolation: a handler that throws
 * is logged and neither stops the other handlers nor the bus. Each handler gets its own copy of
 * a message, so no handler can change what another one sees.
 */
import { ApiKeyCacheError } from "../errors.js";
import type { InvalidationHandlers, InvalidationMessage } from "../invalidation-bus.js";
import type { ApiKeyCacheLogger } from "../logger.js";

/** One `subscribe()` call; inactive once unsubscribed or closed. */
export interface BusSubscription {
  readonly handlers: InvalidationHandlers;
  active: boolean;
}

/** The live subscriptions of a bus. */
export class BusSubscriptions {
  readonly #all = new Set<BusSubscription>();
  readonly #logger: ApiKeyCacheLogger;
  readonly #owner: string;

  constructor(logger: ApiKeyCacheLogger, owner: string) {
    this.#logger = logger;
    this.#owner = owner;
  }

  get size(): number {
    return this.#all.size;
  }

  /**
   * @throws ApiKeyCacheError `E_CONFIG` unless `handlers` has message, ready and disconnected
   * functions.
   */
  add(handlers: InvalidationHandlers): BusSubscription {
    const record = handlers as unknown as Record<string, unknown> | null;
    if (
      typeof record !== "object" ||
      record === null ||
      !["message", "ready", "disconnected"].every((name) => typeof record[name] === "function")
    ) {
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `${this.#owner}: subscribe() needs handlers with message, ready and disconnected functions`,
      );
    }
    const subscription: BusSubscription = { handlers, active: true };
    this.#all.add(subscription);
    return subscription;
  }

  /** False if it was already removed. */
  remove(subscription: BusSubscription): boolean {
    if (!subscription.active) return false;
    subscription.active = false;
    this.#all.delete(subscription);
    return true;
  }

  clear(): void {
    for (const subscription of this.#all) subscription.active = false;
    this.#all.clear();
  }

  /** Call `ready()` or `disconnected()` of one subscription. */
  notify(subscription: BusSubscription, event: "ready" | "disconnected"): void {
    if (!subscription.active) return;
    try {
      subscription.handlers[event]();
    } catch (error) {
      this.#logger.error(`${this.#owner}: a ${event}() handler threw`, error);
    }
  }

  /** Call `ready()` or `disconnected()` of every subscription. */
  notifyAll(event: "ready" | "disconnected"): void {
    for (const subscription of [...this.#all]) this.notify(subscription, event);
  }

  /** Hand a message to every subscription, each its own copy. */
  deliver(op: InvalidationMessage["op"], key: string | undefined): void {
    for (const subscription of [...this.#all]) {
      if (!subscription.active) continue;
      try {
        subscription.handlers.message(key === undefined ? { op } : { op, key });
      } catch (error) {
        this.#logger.error(`${this.#owner}: a message() handler threw`, error);
      }
    }
  }
}
