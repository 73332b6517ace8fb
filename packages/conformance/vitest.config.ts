import type { ViteUserConfig } from "vitest/config";
import { workspaceVitestConfig } from "../../vitest.shared.js";

// The suites over the in-memory backends mostly wait on real TTLs and timers: three files at once.
const config: ViteUserConfig = workspaceVitestConfig({ maxWorkers: 3 });

export default config;
