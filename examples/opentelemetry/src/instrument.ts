/**
 * OpenTelemetry spans and metrics from @apikey/core's `diagnostics_channel` events. Each event
 * arrives once its call settled, with `startedAt` and `durationMs`, so the span is created with
 * its real start and end times. The listener runs in the caller's async context, so with a
 * context manager registered the span's parent is the caller's active span (the HTTP request).
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
  type BackendErrorEvent,
  type CircuitEvent,
  DIAGNOSTICS_CHANNELS,
  type LoadEvent,
  type ResolveEvent,
  type RevokeEvent,
} from "@apikey/core";
import { type Meter, SpanStatusCode, type Tracer } from "@opentelemetry/api";

/** What to report to. */
export interface ApiKeyCacheInstrumentationOptions {
  tracer: Tracer;
  meter: Meter;
}

/** Only a prefix of the hash goes into attributes: enough to correlate, short in storage. */
function hashPrefix(keyHash: string | undefined): string | undefined {
  return keyHash === undefined ? undefined : keyHash.slice(0, 12);
}

/** `performance.now()` of an event → epoch milliseconds, which OpenTelemetry takes as time. */
function epochMs(monotonicMs: number): number {
  return performance.timeOrigin + monotonicMs;
}

/**
 * Subscribe to every channel and report spans (`apikey.resolve`, `apikey.load`,
 * `apikey.revoke`) and metrics (`apikey.resolve.count` and `apikey.resolve.duration` by
 * outcome, `apikey.load.count`, `apikey.backend.errors`, `apikey.circuit.transitions`).
 * Returns the function that unsubscribes again.
 */
export function instrumentApiKeyCache(options: ApiKeyCacheInstrumentationOptions): () => void {
  const { tracer, meter } = options;
  const resolveCount = meter.createCounter("apikey.resolve.count", {
    description: "API-key lookups, by outcome",
  });
  const resolveDuration = meter.createHistogram("apikey.resolve.duration", {
    description: "API-key lookup time",
    unit: "ms",
  });
  const loadCount = meter.createCounter("apikey.load.count", {
    description: "Loader calls, by outcome",
  });
  const backendErrors = meter.createCounter("apikey.backend.errors", {
    description: "Cache calls that failed or timed out",
  });
  const circuitTransitions = meter.createCounter("apikey.circuit.transitions", {
    description: "Circuit breaker state changes, by new state",
  });

  const listeners: Array<[string, (message: unknown) => void]> = [
    [
      DIAGNOSTICS_CHANNELS.resolve,
      (message) => {
        const event = message as ResolveEvent;
        const attributes = { "apikey.outcome": event.outcome, "apikey.active": event.active };
        resolveCount.add(1, attributes);
        resolveDuration.record(event.durationMs, attributes);
        const prefix = hashPrefix(event.keyHash);
        const span = tracer.startSpan("apikey.resolve", {
          startTime: epochMs(event.startedAt),
          attributes:
            prefix === undefined ? attributes : { ...attributes, "apikey.hash_prefix": prefix },
        });
        if (event.outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR });
        span.end(epochMs(event.startedAt + event.durationMs));
      },
    ],
    [
      DIAGNOSTICS_CHANNELS.load,
      (message) => {
        const event = message as LoadEvent;
        loadCount.add(1, { "apikey.outcome": event.outcome, "apikey.refresh": event.refresh });
        const span = tracer.startSpan("apikey.load", {
          startTime: epochMs(event.startedAt),
          attributes: {
            "apikey.outcome": event.outcome,
            "apikey.refresh": event.refresh,
            "apikey.hash_prefix": event.keyHash.slice(0, 12),
          },
        });
        if (event.outcome === "error" || event.outcome === "timeout") {
          span.setStatus({ code: SpanStatusCode.ERROR, message: event.outcome });
        }
        span.end(epochMs(event.startedAt + event.durationMs));
      },
    ],
    [
      DIAGNOSTICS_CHANNELS.revoke,
      (message) => {
        const event = message as RevokeEvent;
        const span = tracer.startSpan(`apikey.${event.operation}`, {
          startTime: epochMs(event.startedAt),
          attributes: {
            "apikey.outcome": event.outcome,
            "apikey.hash_prefix": event.keyHash.slice(0, 12),
          },
        });
        if (event.outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR });
        span.end(epochMs(event.startedAt + event.durationMs));
      },
    ],
    [
      DIAGNOSTICS_CHANNELS.backendError,
      (message) => {
        const event = message as BackendErrorEvent;
        backendErrors.add(1, {
          "apikey.operation": event.operation,
          "apikey.timeout": event.timeout,
        });
      },
    ],
    [
      DIAGNOSTICS_CHANNELS.circuit,
      (message) => {
        circuitTransitions.add(1, { "apikey.circuit.state": (message as CircuitEvent).state });
      },
    ],
  ];
  for (const [name, listener] of listeners) subscribe(name, listener);
  return () => {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
  };
}
