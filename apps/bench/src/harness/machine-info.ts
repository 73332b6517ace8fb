/**
 * What the report header says about the machine: CPU, memory, Node and Redis versions, and the
 * load average, because a figure measured on a loaded machine must say so.
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { resolveRedisServerBinary } from "@apikey/redis-test-server";
import type { BenchMachine } from "./results.js";

/** `os.loadavg()` rounded to two decimals. */
export function loadAverage(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return [one, five, fifteen].map((value) => Math.round(value * 100) / 100) as [
    number,
    number,
    number,
  ];
}

/** The machine's description at the start of a run (duration and end load filled in later). */
export function describeMachine(startedAt: Date): BenchMachine {
  const cores = cpus();
  return {
    startedAt: startedAt.toISOString(),
    durationSeconds: 0,
    node: process.version,
    redis: redisServerVersion(),
    platform: `${platform()} ${release()}`,
    cpuModel: cores[0]?.model.trim() ?? "unknown CPU",
    cpuCount: cores.length,
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    loadAverageAtStart: loadAverage(),
    loadAverageAtEnd: loadAverage(),
    gitCommit: gitCommit(),
  };
}

function redisServerVersion(): string {
  try {
    const output = execFileSync(resolveRedisServerBinary(), ["--version"], {
      encoding: "utf8",
      timeout: 5000,
    });
    return /v=(\S+)/.exec(output)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}
