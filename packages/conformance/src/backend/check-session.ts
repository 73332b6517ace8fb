/**
 * A check session: the context one check runs in, and the disposal of everything it created.
 * Disposal runs in reverse creation order (peers before the backend they share a store with)
 * and tolerates backends a check already closed.
 */
import { type ApiKeyCacheBackend, isApiKeyCacheError } from "@apikey/core";
import type { ConformanceSession, ConformanceSuite } from "../conformance-check.js";
import {
  type BackendCheckContext,
  DEFAULT_CHECK_TIMEOUT_MS,
  type ResolvedCapabilities,
} from "./backend-check.js";
import type { BackendConformanceOptions, FakeClockBackend } from "./conformance-options.js";

/** A context plus the teardown of every backend still open; rejects with the first disposal error. */
export interface CheckSession extends ConformanceSession<BackendCheckContext> {}

/** Capabilities with their documented defaults. */
export function resolveCapabilities(options: BackendConformanceOptions): ResolvedCapabilities {
  const capabilities = options.capabilities ?? {};
  return {
    ttlToleranceMs: capabilities.ttlToleranceMs ?? 50,
    sharedBetweenInstances: capabilities.sharedBetweenInstances ?? false,
    peerConvergenceMs: capabilities.peerConvergenceMs ?? 0,
  };
}

/** Start a session for one check. */
export function createCheckSession(options: BackendConformanceOptions): CheckSession {
  const open: ApiKeyCacheBackend[] = [];
  const disposeOne = async (backend: ApiKeyCacheBackend): Promise<void> => {
    const index = open.indexOf(backend);
    if (index === -1) return;
    open.splice(index, 1);
    try {
      await (options.dispose ? options.dispose(backend) : backend.close());
    } catch (error) {
      // A close check may already have closed it; that is not a disposal failure.
      if (!isApiKeyCacheError(error, "E_CLOSED")) throw error;
    }
  };
  const track = <T extends ApiKeyCacheBackend>(backend: T): T => {
    open.push(backend);
    return backend;
  };

  const context: BackendCheckContext = {
    capabilities: resolveCapabilities(options),
    modelRuns: options.modelRuns ?? (options.createWithFakeClock ? 60 : 30),
    hasFakeClock: options.createWithFakeClock !== undefined,
    createBackend: async () => track(await options.createBackend()),
    createPeer: async (backend) => {
      if (!options.createPeer) throw new Error("the conformance options have no createPeer");
      return track(await options.createPeer(backend));
    },
    createWithFakeClock: async (): Promise<FakeClockBackend> => {
      if (!options.createWithFakeClock) {
        throw new Error("the conformance options have no createWithFakeClock");
      }
      const clocked = await options.createWithFakeClock();
      track(clocked.backend);
      return clocked;
    },
    dispose: disposeOne,
  };

  return {
    context,
    async dispose() {
      let firstError: unknown;
      for (const backend of [...open].reverse()) {
        try {
          await disposeOne(backend);
        } catch (error) {
          firstError ??= error;
        }
      }
      if (firstError !== undefined) throw firstError;
    },
  };
}

/** How the runners run a backend check: in a fresh session, by default for 20 s at most. */
export const backendCheckSuite: ConformanceSuite<BackendConformanceOptions, BackendCheckContext> = {
  startSession: createCheckSession,
  defaultTimeoutMs: DEFAULT_CHECK_TIMEOUT_MS,
};
