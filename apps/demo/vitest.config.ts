import type { ViteUserConfig } from "vitest/config";
import { workspaceVitestConfig } from "../../vitest.shared.js";

// Each test starts worker processes (and some a redis-server): slower than a unit test.
const config: ViteUserConfig = workspaceVitestConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

export default config;
