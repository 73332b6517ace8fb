/**
 * The one vitest setup of the workspace: every package's `vitest.config.ts` is this, with its
 * own timeouts where it needs them. Tests run on the sources (the `@apikey/source` export
 * condition), so no package has to be built first.
 */
import { defineConfig, type ViteUserConfig } from "vitest/config";

/** Per-package differences. */
export interface WorkspaceVitestOptions {
  /** Default per-test timeout, in ms. @default 30000 */
  testTimeout?: number;
  /** Default per-hook timeout, in ms (a redis-server or cluster starts in one). @default 60000 */
  hookTimeout?: number;
  /**
   * Test files run at once. vitest's default is one less than the CPUs: one file at a time on
   * a 2-core machine. Suites that mostly wait (on servers, timers, child processes) set more.
   * @default vitest's
   */
  maxWorkers?: number;
}

/** The vitest config of one package of the workspace. */
export function workspaceVitestConfig(options: WorkspaceVitestOptions = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: ["@apikey/source"] },
    ssr: { resolve: { conditions: ["@apikey/source"] } },
    test: {
      include: ["test/**/*.test.ts"],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: options.hookTimeout ?? 60_000,
      ...(options.maxWorkers === undefined ? {} : { maxWorkers: options.maxWorkers }),
    },
  });
}
