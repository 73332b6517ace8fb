/**
 * `/metrics` adds up every worker's series, whichever worker answers, and `/metrics/workers`
 * keeps each worker's own with a `worker_pid` label, the same label set on `apikey_*` and
 * `http_*`. Three worker processes on the memory backend, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoProcess, startDemoProcess } from "../src/demo-process.js";
import { sendRequest } from "../src/http-client.js";
import { tempDataDir } from "./helpers.js";
import { parseSamples, type Sample, select } from "./prometheus-text.js";

const WORKERS = 3;
const MISSING_KEY_REQUESTS = 30;
const UNKNOWN_KEY_REQUESTS = 12;

describe("metrics across three workers", () => {
  const dataDir = tempDataDir();
  let demo: DemoProcess;

  beforeAll(async () => {
    demo = await startDemoProcess({ env: { DATA_DIR: dataDir.path, WORKERS: String(WORKERS) } });
    // A new connection per request: the cluster hands them to the workers in turn.
    for (let i = 0; i < MISSING_KEY_REQUESTS; i += 1) {
      expect((await sendRequest(`${demo.url}/v1/whoami`)).status).toBe(401);
    }
    const unknown = { "x-api-key": `ak_${"U".repeat(43)}` };
    for (let i = 0; i < UNKNOWN_KEY_REQUESTS; i += 1) {
      expect((await sendRequest(`${demo.url}/v1/whoami`, { headers: unknown })).status).toBe(401);
    }
  });
  afterAll(async () => {
    await demo?.stop("SIGKILL");
    dataDir.remove();
  });

  const total = (samples: Sample[]): number => samples.reduce((sum, s) => sum + s.value, 0);
  const whoami401 = { method: "GET", route: "/v1/whoami", status: "401" };
  const ALL = MISSING_KEY_REQUESTS + UNKNOWN_KEY_REQUESTS;

  it("/metrics sums every worker's counters and histograms, whichever worker answers", async () => {
    const answeredBy = new Set<number>();
    for (let i = 0; i < WORKERS; i += 1) {
      const response = await sendRequest(`${demo.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toContain("text/plain");
      if (response.workerPid !== undefined) answeredBy.add(response.workerPid);
      expect(response.text).not.toContain("worker_pid");
      const samples = parseSamples(response.text);
      expect(select(samples, "http_requests_total", whoami401)).toEqual([
        { name: "http_requests_total", labels: whoami401, value: ALL },
      ]);
      const whoamiRoute = { method: "GET", route: "/v1/whoami" };
      expect(total(select(samples, "http_request_duration_seconds_count", whoamiRoute))).toBe(ALL);
      expect(
        total(
          select(samples, "http_request_duration_seconds_bucket", { ...whoamiRoute, le: "+Inf" }),
        ),
      ).toBe(ALL);
      // Every unknown-key lookup is a miss (first time on a worker) or a negative hit.
      expect(
        total(select(samples, "apikey_cache_misses_total")) +
          total(select(samples, "apikey_cache_negative_hits_total")),
      ).toBe(UNKNOWN_KEY_REQUESTS);
      expect(total(select(samples, "apikey_cache_loads_total"))).toBe(
        total(select(samples, "apikey_cache_misses_total")),
      );
      expect(select(samples, "apikey_cache_info", { backend: "memory", client: "none" })).toEqual([
        expect.objectContaining({ value: WORKERS }),
      ]);
      expect(select(samples, "apikey_cache_circuit_state", { state: "closed" })[0]?.value).toBe(
        WORKERS,
      );
      expect(select(samples, "demo_metrics_workers", { state: "reporting" })[0]?.value).toBe(
        WORKERS,
      );
      expect(select(samples, "demo_metrics_workers", { state: "missing" })[0]?.value).toBe(0);
    }
    // Three scrapes on new connections went to more than one worker, and all saw the same sums.
    expect(answeredBy.size).toBeGreaterThan(1);
  });

  it("/metrics/workers keeps each worker's series, with worker_pid on every apikey_* and http_* series", async () => {
    const response = await sendRequest(`${demo.url}/metrics/workers`);
    expect(response.status).toBe(200);
    const samples = parseSamples(response.text);
    const perWorker = select(samples, "http_requests_total", whoami401);
    expect(perWorker.map((s) => Number(s.labels.worker_pid)).sort()).toEqual(
      [...demo.workerPids].sort(),
    );
    // Each worker served some of the requests, and together all of them.
    for (const sample of perWorker) expect(sample.value).toBeGreaterThan(0);
    expect(total(perWorker)).toBe(ALL);
    for (const sample of samples) {
      if (sample.name.startsWith("apikey_") || sample.name.startsWith("http_")) {
        expect(demo.workerPids, `${sample.name} ${JSON.stringify(sample.labels)}`).toContain(
          Number(sample.labels.worker_pid),
        );
      }
    }
    // The same label names in both views, apart from worker_pid.
    const summed = parseSamples((await sendRequest(`${demo.url}/metrics`)).text);
    const labelSets = (list: Sample[]): string[] =>
      [
        ...new Set(
          list
            .filter((s) => s.name.startsWith("apikey_") || s.name.startsWith("http_"))
            .map(
              (s) =>
                `${s.name}:${Object.keys(s.labels)
                  .filter((label) => label !== "worker_pid")
                  .sort()
                  .join(",")}`,
            ),
        ),
      ].sort();
    expect(labelSets(samples)).toEqual(labelSets(summed));
    for (const pid of demo.workerPids) {
      expect(select(samples, "apikey_cache_info", { worker_pid: String(pid) })[0]?.value).toBe(1);
    }
  });

  it("a worker that does not answer is left out and counted as missing, without stalling the scrape", async () => {
    const [stuck, ...others] = demo.workerPids;
    if (stuck === undefined) throw new Error("no worker");
    process.kill(stuck, "SIGSTOP");
    try {
      let answered: { text: string } | undefined;
      // The cluster may hand a connection to the stopped worker: that one times out; retry. A
      // scrape that answers within the 4 s client timeout was not stalled by the stuck worker.
      for (let attempt = 0; attempt < 6 && answered === undefined; attempt += 1) {
        const response = await sendRequest(`${demo.url}/metrics`, { timeoutMs: 4_000 }).catch(
          () => undefined,
        );
        if (response?.status === 200) {
          expect(others).toContain(response.workerPid);
          answered = { text: response.text };
        }
      }
      expect(answered).toBeDefined();
      const samples = parseSamples(answered?.text ?? "");
      expect(select(samples, "demo_metrics_workers", { state: "reporting" })[0]?.value).toBe(
        WORKERS - 1,
      );
      expect(select(samples, "demo_metrics_workers", { state: "missing" })[0]?.value).toBe(1);
      expect(select(samples, "apikey_cache_info")[0]?.value).toBe(WORKERS - 1);
    } finally {
      process.kill(stuck, "SIGCONT");
    }
  });
});
