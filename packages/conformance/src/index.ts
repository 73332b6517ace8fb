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
} from "./backend-check.js";
export { BACKEND_CHECK_GROUPS, DEFAULT_CHECK_TIMEOUT_MS, defineChecks } from "./backend-check.js";
export { backendChecks, listBackendChecks } from "./backend-checks.js";
export type {
  BusCheck,
  BusCheckContext,
  BusCheckGroup,
  InvalidationBusCapabilities,
  InvalidationBusConformanceOptions,
} from "./bus-check.js";
export { BUS_CHECK_GROUPS, DEFAULT_BUS_CHECK_TIMEOUT_MS } from "./bus-check.js";
export {
  busChecks,
  busCloseChecks,
  busDeliveryChecks,
  busOriginChecks,
  busReconnectChecks,
  busSubscriptionChecks,
} from "./bus-checks.js";
export type {
  BusCheckResult,
  BusCheckSession,
  RunInvalidationBusChecksFilter,
} from "./bus-conformance.js";
export {
  createBusCheckSession,
  describeInvalidationBusConformance,
  listInvalidationBusChecks,
  runInvalidationBusChecks,
} from "./bus-conformance.js";
export type { BusEvent } from "./bus-recorder.js";
export { BusRecorder } from "./bus-recorder.js";
export { assertFailsWithCode } from "./check-assertions.js";
export { richValue, sampleKey, sampleValue } from "./check-fixtures.js";
export type { CheckSession } from "./check-session.js";
export { createCheckSession, resolveCapabilities } from "./check-session.js";
export { pollUntil, sleepUntil } from "./check-timing.js";
export { basicChecks } from "./checks/basic-checks.js";
export { clearChecks } from "./checks/clear-checks.js";
export { closeChecks } from "./checks/close-checks.js";
export { concurrencyChecks } from "./checks/concurrency-checks.js";
export { crossInstanceChecks } from "./checks/cross-instance-checks.js";
export { deleteChecks } from "./checks/delete-checks.js";
export { isolationChecks } from "./checks/isolation-checks.js";
export { modelChecks } from "./checks/model-checks.js";
export { setIfAbsentChecks } from "./checks/set-if-absent-checks.js";
export { ttlChecks } from "./checks/ttl-checks.js";
export { validationChecks } from "./checks/validation-checks.js";
export type {
  BackendCapabilities,
  BackendConformanceOptions,
  FakeClockBackend,
} from "./conformance-options.js";
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
  describeSetIfAbsentConformance,
  describeTtlConformance,
  describeValidationConformance,
} from "./describe-backend-conformance.js";
export type { ResolverOutageOptions } from "./describe-resolver-outage.js";
export { describeResolverOutage } from "./describe-resolver-outage.js";
export type { ResolverRevocationRaceSuiteOptions } from "./describe-resolver-revocation-race.js";
export { describeResolverRevocationRace } from "./describe-resolver-revocation-race.js";
export type {
  ResolverTombstoneOptions,
  ResolverTombstonePair,
} from "./describe-resolver-tombstone.js";
export { describeResolverTombstone } from "./describe-resolver-tombstone.js";
export type {
  TieredRevocationPairRequest,
  TieredRevocationRaceOptions,
} from "./describe-tiered-revocation-race.js";
export { describeTieredRevocationRace } from "./describe-tiered-revocation-race.js";
export type {
  ResolverRevocationRaceOptions,
  ResolverRevocationRaceReport,
  RevocationRaceBackends,
} from "./resolver-revocation-race.js";
export {
  REVOCATION_RACE_DEFAULTS,
  runResolverRevocationRace,
} from "./resolver-revocation-race.js";
export type { BackendCheckResult, RunBackendChecksFilter } from "./run-backend-checks.js";
export { runBackendChecks } from "./run-backend-checks.js";
