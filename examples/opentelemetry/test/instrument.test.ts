import {
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  silentLogger,
} from "@apikey/core";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, expect, it } from "vitest";
import { instrumentApiKeyCache } from "../src/index.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it("lookups, loads and revokes become spans and metrics, without the plaintext key", async () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metrics,
    exportIntervalMillis: 60_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  cleanups.push(
    () => tracerProvider.shutdown(),
    () => meterProvider.shutdown(),
  );
  cleanups.push(
    instrumentApiKeyCache({
      tracer: tracerProvider.getTracer("apikey-cache"),
      meter: meterProvider.getMeter("apikey-cache"),
    }),
  );

  const plaintext = "sk_live_otel_secret";
  const resolver = createApiKeyResolver({
    backend: new InMemoryApiKeyCacheBackend(),
    load: async (hash) =>
      hash === hashApiKey(plaintext) ? { apiKey: "pk_otel", active: true } : undefined,
    logger: silentLogger,
  });
  await resolver.resolve(plaintext); // miss, one load
  await resolver.resolve(plaintext); // hit
  await resolver.resolve("sk_unknown"); // miss, unknown
  await resolver.revoke(hashApiKey(plaintext));
  await resolver.resolve(plaintext); // hit: the tombstone

  const finished = spans.getFinishedSpans();
  expect(finished.map((span) => span.name)).toEqual([
    "apikey.load",
    "apikey.resolve",
    "apikey.resolve",
    "apikey.load",
    "apikey.resolve",
    "apikey.revoke",
    "apikey.resolve",
  ]);
  const resolves = finished.filter((span) => span.name === "apikey.resolve");
  expect(resolves.map((span) => span.attributes["apikey.outcome"])).toEqual([
    "miss",
    "hit",
    "miss",
    "hit",
  ]);
  expect(resolves.map((span) => span.attributes["apikey.active"])).toEqual([
    true,
    true,
    false,
    false,
  ]);
  expect(resolves[0]?.attributes["apikey.hash_prefix"]).toBe(hashApiKey(plaintext).slice(0, 12));
  // The load ran inside the first lookup: its span lies within the lookup's span.
  const [load, firstResolve] = finished;
  const toMs = ([seconds, nanos]: [number, number]): number => seconds * 1000 + nanos / 1e6;
  expect(toMs(load?.startTime as [number, number])).toBeGreaterThanOrEqual(
    toMs(firstResolve?.startTime as [number, number]) - 1,
  );
  expect(JSON.stringify(finished.map((span) => span.attributes))).not.toContain(plaintext);

  await reader.forceFlush();
  const exported = metrics.getMetrics().at(-1)?.scopeMetrics[0]?.metrics ?? [];
  const count = exported.find((metric) => metric.descriptor.name === "apikey.resolve.count");
  const points = (count?.dataPoints ?? []).map((point) => [
    point.attributes["apikey.outcome"],
    point.attributes["apikey.active"],
    point.value,
  ]);
  expect(points).toEqual(
    expect.arrayContaining([
      ["miss", true, 1],
      ["hit", true, 1],
      ["miss", false, 1],
      ["hit", false, 1],
    ]),
  );
  const duration = exported.find((metric) => metric.descriptor.name === "apikey.resolve.duration");
  expect(duration?.descriptor.unit).toBe("ms");
});
