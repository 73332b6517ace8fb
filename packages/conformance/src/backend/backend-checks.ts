/** The table of every conformance check, by group. */
import type { BackendCheck, BackendCheckGroup } from "./backend-check.js";
import { BACKEND_CHECK_GROUPS } from "./backend-check.js";
import { basicChecks } from "./checks/basic-checks.js";
import { clearChecks } from "./checks/clear-checks.js";
import { closeChecks } from "./checks/close-checks.js";
import { concurrencyChecks } from "./checks/concurrency-checks.js";
import { crossInstanceChecks } from "./checks/cross-instance-checks.js";
import { deleteChecks } from "./checks/delete-checks.js";
import { isolationChecks } from "./checks/isolation-checks.js";
import { modelChecks } from "./checks/model-checks.js";
import { peekChecks } from "./checks/peek-checks.js";
import { replaceIfUnchangedChecks } from "./checks/replace-if-unchanged-checks.js";
import { setIfAbsentChecks } from "./checks/set-if-absent-checks.js";
import { ttlChecks } from "./checks/ttl-checks.js";
import { validationChecks } from "./checks/validation-checks.js";

/** Every check, grouped. Each is a plain async function over a {@link BackendCheckContext}. */
export const backendChecks: Readonly<Record<BackendCheckGroup, readonly BackendCheck[]>> = {
  basic: basicChecks,
  isolation: isolationChecks,
  setIfAbsent: setIfAbsentChecks,
  replaceIfUnchanged: replaceIfUnchangedChecks,
  peek: peekChecks,
  delete: deleteChecks,
  clear: clearChecks,
  ttl: ttlChecks,
  validation: validationChecks,
  close: closeChecks,
  concurrency: concurrencyChecks,
  model: modelChecks,
  crossInstance: crossInstanceChecks,
};

/** The checks of `groups` (default: all), in registration order. */
export function listBackendChecks(
  groups: readonly BackendCheckGroup[] = BACKEND_CHECK_GROUPS,
): readonly BackendCheck[] {
  return groups.flatMap((group) => backendChecks[group]);
}
