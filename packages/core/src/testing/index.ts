/**
 * `@apikey/core/testing`: test doubles for core's own parts, for the unit tests of core and of
 * anything built on it. Nothing here talks to a network or loads a test runner.
 */
export type {
  InProcessBusNetwork,
  InProcessBusNetworkOptions,
  InProcessInvalidationBus,
  SimulatedDisconnectOptions,
} from "./in-process-bus.js";
export { createInProcessBusNetwork } from "./in-process-bus.js";
