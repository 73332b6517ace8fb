/**
 * What `pnpm demo` prints once every worker listens. The `ready at` and `admin key` lines are
 * also what the tests and the revocation walkthrough read, so keep their shape.
 */
import type { DemoConfig } from "./config.js";
import { effectiveBackend } from "./config.js";

/** The banner text. `adminKey` is set only on the first start. */
export function renderBanner(
  config: DemoConfig,
  url: string,
  pids: readonly number[],
  adminKey: string | undefined,
): string {
  const backend = effectiveBackend(config);
  const client = backend === "memory" ? "" : ` over ${config.redisClient}`;
  const admin = adminKey ?? "$ADMIN_KEY";
  const lines = [
    `demo: ready at ${url} (workers: ${pids.join(", ")}; backend: ${backend}${client})`,
  ];
  if (!config.auth) lines.push("demo: WARNING APIKEY_AUTH=off: /v1 routes answer without a key");
  if (adminKey !== undefined) {
    lines.push(`demo: admin key (shown once, store it now): ${adminKey}`);
  } else {
    lines.push("demo: admin key was printed on the first start; set ADMIN_KEY to it.");
  }
  lines.push(
    "demo: try it (create a key with the admin key, then call whoami with it):",
    `KEY=$(curl -s -X POST ${url}/admin/keys -H "X-API-Key: ${admin}" -H 'content-type: application/json' -d '{"name":"my-app"}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).key') && curl -s ${url}/v1/whoami -H "Authorization: Bearer $KEY"; echo`,
  );
  return `${lines.join("\n")}\n`;
}
