import type { ViteUserConfig } from "vitest/config";
import { workspaceVitestConfig } from "../../vitest.shared.js";

const config: ViteUserConfig = workspaceVitestConfig();

export default config;
