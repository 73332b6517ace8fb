import {
  createApiKeyResolver,
  InMemoryApiKeyCacheBackend,
  isApiKeyCacheError,
  RESOLVER_DEFAULTS,
} from "@apikey/core";
import { describe, expect, it } from "vitest";

const backend = new InMemoryApiKeyCacheBackend();
const load = async (): Promise<undefined> => undefined;

function configError(options: Record<string, unknown>): Error {
  try {
    createApiKeyResolver({ backend, load, ...options });
  } catch (error) {
    expect(isApiKeyCacheError(error, "E_CONFIG")).toBe(true);
    return error as Error;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe("createApiKeyResolver: circuit breaker options", () => {
  it("defaults: 5 distinct failures 100 ms apart within 10 s open it; probes from 250 ms to 500 ms", () => {
    expect(RESOLVER_DEFAULTS).toMatchObject({
      circuitFailureThreshold: 5,
      circuitFailureSliceMs: 100,
      circuitWindowMs: 10_000,
      circuitProbeMs: 250,
      circuitProbeMaxMs: 500,
      circuitOpenMs: 500,
    });
  });

  it.each([
    ["circuitFailureSliceMs", { circuitFailureSliceMs: -1 }],
    ["circuitWindowMs", { circuitWindowMs: 0 }],
    ["circuitProbeMs", { circuitProbeMs: Number.NaN }],
    ["circuitProbeMaxMs", { circuitProbeMaxMs: Number.POSITIVE_INFINITY }],
    ["circuitOpenMs", { circuitOpenMs: 0 }],
    ["circuitProbeMs", { circuitProbeMs: 2_000, circuitProbeMaxMs: 1_000 }],
  ])("rejects a bad %s with E_CONFIG naming it", (option, options) => {
    expect(configError(options).message).toContain(option);
  });

  it("accepts the deprecated circuitOpenMs, and a first probe delay above the default cap", () => {
    expect(() => createApiKeyResolver({ backend, load, circuitOpenMs: 5_000 })).not.toThrow();
    expect(() => createApiKeyResolver({ backend, load, circuitProbeMs: 3_000 })).not.toThrow();
  });
});
