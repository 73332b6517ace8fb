export type {
  InProcessBusNetwork,
  InProcessBusNetworkOptions,
  InProcessInvalidationBus,
  SimulatedDisconnectOptions,
} from "@apikey/core/testing";
/** Re-exported from `@apikey/core/testing`, where the in-process bus now lives. */
export { createInProcessBusNetwork } from "@apikey/core/testing";
export type {
  BackendCheck,
  BackendCheckContext,
  BackendCheckDefinition,
  BackendCheckGroup,
  ResolvedCapabilities,
} from "./backend/backend-check.js";
export {
  BACKEND_CHECK_GROUPS,
  DEFAULT_CHECK_TIMEOUT_MS,
  defineChecks,
} from "./backend/backend-check.js";
export { backendChecks, listBackendChecks } from "./backend/backend-checks.js";
export { assertFailsWithCode } from "./backend/check-assertions.js";
export { richValue, sampleKey, sampleValue } from "./backend/check-fixtures.js";
export type { CheckSession } from "./backend/check-session.js";
export { createCheckSession, resolveCapabilities } from "./backend/check-session.js";
export { basicChecks } from "./backend/checks/basic-checks.js";
export { clearChecks } from "./backend/checks/clear-checks.js";
export { closeChecks } from "./backend/checks/close-checks.js";
export { concurrencyChecks } from "./backend/checks/concurrency-checks.js";
export { crossInstanceChecks } from "./backend/checks/cross-instance-checks.js";
export { deleteChecks } from "./backend/checks/delete-checks.js";
export { isolationChecks } from "./backend/checks/isolation-checks.js";
export { modelChecks } from "./backend/checks/model-checks.js";
export { peekChecks } from "./backend/checks/peek-checks.js";
export { replaceIfUnchangedChecks } from "./backend/checks/replace-if-unchanged-checks.js";
export { setIfAbsentChecks } from "./backend/checks/set-if-absent-checks.js";
export { ttlChecks } from "./backend/checks/ttl-checks.js";
export { validationChecks } from "./backend/checks/validation-checks.js";
export type {
  BackendCapabilities,
  BackendConformanceOptions,
  FakeClockBackend,
} from "./backend/conformance-options.js";
export {
  describeBackendConformance,
  describeBasicConformance,
  describeClearConformance,
  describeCloseConformance,
  describeConcurrencyConformance,
  describeConformanceGroups,
  describeCrossInstanceConformance,
  describeDeleteConformance,
  describeIsolationConformance,
  describeModelConformance,
  describePeekConformance,
  describeReplaceIfUnchangedConformance,
  describeSetIfAbsentConformance,
  describeTtlConformance,
  describeValidationConformance,
} from "./backend/describe-backend-conformance.js";
export type { BackendCheckResult, RunBackendChecksFilter } from "./backend/run-backend-checks.js";
export { runBackendChecks } from "./backend/run-backend-checks.js";
export type {
  BusCheck,
  BusCheckContext,
  BusCheckGroup,
  InvalidationBusCapabilities,
  InvalidationBusConformanceOptions,
} from "./bus/bus-check.js";
export { BUS_CHECK_GROUPS, DEFAULT_BUS_CHECK_TIMEOUT_MS } from "./bus/bus-check.js";
export {
  busChecks,
  busCloseChecks,
  busDeliveryChecks,
  busOriginChecks,
  busReconnectChecks,
  busSubscriptionChecks,
} from "./bus/bus-checks.js";
export type {
  BusCheckResult,
  BusCheckSession,
  RunInvalidationBusChecksFilter,
} from "./bus/bus-conformance.js";
export {
  createBusCheckSession,
  describeInvalidationBusConformance,
  listInvalidationBusChecks,
  runInvalidationBusChecks,
} from "./bus/bus-conformance.js";
export type { BusEvent } from "./bus/bus-recorder.js";
export { BusRecorder } from "./bus/bus-recorder.js";
export { pollUntil, sleepUntil } from "./check-timing.js";
export type { ResolverOutageOptions } from "./resolver/describe-resolver-outage.js";
export { describeResolverOutage } from "./resolver/describe-resolver-outage.js";
export type { ResolverRecoveryOptions } from "./resolver/describe-resolver-recovery.js";
export { describeResolverRecovery } from "./resolver/describe-resolver-recovery.js";
export type { ResolverRevocationRaceSuiteOptions } from "./resolver/describe-resolver-revocation-race.js";
export { describeResolverRevocationRace } from "./resolver/describe-resolver-revocation-race.js";
export type { ResolverStaleIfErrorOptions } from "./resolver/describe-resolver-stale-if-error.js";
export { describeResolverStaleIfError } from "./resolver/describe-resolver-stale-if-error.js";
export type {
  ResolverTombstoneOptions,
  ResolverTombstonePair,
} from "./resolver/describe-resolver-tombstone.js";
export { describeResolverTombstone } from "./resolver/describe-resolver-tombstone.js";
export type {
  TieredRevocationPairRequest,
  TieredRevocationRaceOptions,
} from "./resolver/describe-tiered-revocation-race.js";
export { describeTieredRevocationRace } from "./resolver/describe-tiered-revocation-race.js";
export type {
  ResolverRevocationRaceOptions,
  ResolverRevocationRaceReport,
  RevocationRaceBackends,
} from "./resolver/resolver-revocation-race.js";
export {
  REVOCATION_RACE_DEFAULTS,
  runResolverRevocationRace,
} from "./resolver/resolver-revocation-race.js";
