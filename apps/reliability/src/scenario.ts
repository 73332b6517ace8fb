/** What a scenario is and gives back, and the shared run: subjects, traffic, a fault, a summary. */
import { randomBytes } from "node:crypto";
import { KeyDatabase } from "./key-database.js";
import type { Profile } from "./profile.js";
import { sleep } from "./sleep.js";
import { buildSubject, type Subject, type SubjectKind } from "./subjects.js";
import { startTraffic, type TrafficResult, type TrafficRun } from "./traffic.js";

/** A named pass/fail check a scenario adds beyond the per-row ones. */
export interface Check {
  readonly label: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly rows: readonly TrafficResult[];
  readonly checks: readonly Check[];
  readonly notes: readonly string[];
  readonly durationMs: number;
  /**
   * A recovery bound other than the suite's for some backends (by row kind), with the reason:
   * a documented, reported miss of the 2 s goal, never a silent one.
   */
  readonly recoveryBounds?: Readonly<
    Record<string, { readonly ms: number; readonly reason: string }>
  >;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(profile: Profile): Promise<Omit<ScenarioResult, "durationMs" | "name" | "description">>;
}

/** Loader time of the simulated database, in ms. */
export const LOADER_MS = 2;

export function randomPrefix(tag: string): string {
  return `rel:${tag}:${randomBytes(4).toString("hex")}:`;
}

/** Wait (bounded) until every instance of `subject` can write to its store. */
export async function waitUntilWritable(subject: Subject, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (const instance of subject.instances) {
    for (;;) {
      const ok = await instance.backend
        .set("reliability-ready", { apiKey: "ready", active: true }, 30)
        .then(
          () => true,
          () => false,
        );
      if (ok) break;
      if (performance.now() > deadline) throw new Error(`${subject.kind} never became writable`);
      await sleep(50);
    }
  }
}

export interface FaultRunOptions {
  readonly profile: Profile;
  readonly kinds: readonly SubjectKind[];
  readonly redisUrl: string | undefined;
  readonly tag: string;
  /** Inject the fault; call `faultEnded()` when Redis is back. */
  readonly fault: (faultEnded: () => void, runs: readonly TrafficRun[]) => Promise<void>;
  readonly maxEntries?: number;
  /** `redisUrl` is a Redis Cluster seed. */
  readonly cluster?: boolean;
  /** The key (under each subject's prefix) the recovery probe writes. @default "reliability-probe" */
  readonly probeKeyFor?: (keyPrefix: string) => string;
}

/** Every subject at once on one server, one fault for all: calm, fault, calm. */
export async function runWithFault(options: FaultRunOptions): Promise<TrafficResult[]> {
  const { profile } = options;
  const subjects = options.kinds.map((kind) =>
    buildSubject(kind, {
      ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
      keyPrefix: randomPrefix(`${options.tag}:${kind}`),
      database: new KeyDatabase(profile.validKeys, LOADER_MS),
      ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
      ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    }),
  );
  try {
    await Promise.all(subjects.map((subject) => waitUntilWritable(subject)));
    const runs = subjects.map((subject) =>
      startTraffic(subject, {
        profile,
        database: subject.database,
        ...(options.probeKeyFor === undefined
          ? {}
          : { probeKey: options.probeKeyFor(subject.keyPrefix) }),
      }),
    );
    await sleep(profile.calmMs);
    await options.fault(() => {
      for (const run of runs) run.markFaultEnd();
    }, runs);
    await sleep(profile.calmMs);
    return await Promise.all(runs.map((run) => run.stop()));
  } finally {
    await Promise.all(subjects.map((subject) => subject.close()));
  }
}
