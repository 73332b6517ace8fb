/** The two sizes of the suite: `short` runs in CI (about two minutes), `long` on demand. */
import { ApiKeyCacheError } from "@apikey/core";

export type ProfileName = "short" | "long";

/** Every size and rate a scenario reads. */
export interface Profile {
  readonly name: ProfileName;
  /** Requests per second sent to each backend instance pair (open loop). */
  readonly requestsPerSecond: number;
  /** Most requests in flight per backend; beyond it a request is shed (and counted). */
  readonly maxInFlight: number;
  /** One revocation every this many ms, per backend. */
  readonly revokeEveryMs: number;
  /** Valid keys in the database. */
  readonly validKeys: number;
  /** How long a fault lasts (kill, SIGSTOP, each proxy phase), in ms. */
  readonly faultMs: number;
  /** Traffic before the fault and after it ends, each, in ms. */
  readonly calmMs: number;
  /** Distinct random keys in the flood. */
  readonly floodKeys: number;
  /** Keys under the prefix `clear()` removes. */
  readonly clearKeys: number;
  /** Demo workers in the HTTP variant. */
  readonly demoWorkers: number;
}

const PROFILES: Record<ProfileName, Profile> = {
  short: {
    name: "short",
    requestsPerSecond: 200,
    maxInFlight: 400,
    revokeEveryMs: 100,
    validKeys: 2_000,
    faultMs: 2_000,
    calmMs: 1_500,
    floodKeys: 50_000,
    clearKeys: 20_000,
    demoWorkers: 2,
  },
  long: {
    name: "long",
    // 1,000/s per backend saturated the driver process itself on two shared cores (latencies
    // then measure the driver, not the library): the long profile scales time and sizes.
    requestsPerSecond: 400,
    maxInFlight: 800,
    revokeEveryMs: 50,
    validKeys: 20_000,
    faultMs: 6_000,
    calmMs: 4_000,
    floodKeys: 1_000_000,
    clearKeys: 200_000,
    demoWorkers: 4,
  },
};

/** Read `--profile short|long` (default short). @throws ApiKeyCacheError `E_CONFIG` */
export function parseProfile(argv: readonly string[]): Profile {
  let name: string = "short";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--profile") name = argv[++i] ?? "";
    else if (arg.startsWith("--profile=")) name = arg.slice("--profile=".length);
    else if (arg === "--") continue;
    else
      throw new ApiKeyCacheError(
        "E_CONFIG",
        `unknown argument ${JSON.stringify(arg)}; usage: pnpm test:reliability [--profile short|long]`,
      );
  }
  if (name !== "short" && name !== "long") {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `--profile must be short or long, got ${JSON.stringify(name)}`,
    );
  }
  return PROFILES[name];
}
