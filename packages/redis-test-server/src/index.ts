export { killTrackedChildren } from "./child-reaper.js";
export { findFreePort } from "./free-port.js";
export { REDIS_SERVER_BIN_ENV, resolveRedisServerBinary } from "./redis-binary.js";
export type { RedisClientInfo } from "./redis-clients.js";
export { killRedisClients, listRedisClients, parseClientList } from "./redis-clients.js";
export type {
  RedisClusterHandle,
  RedisClusterNode,
  RedisClusterReplica,
  StartRedisClusterOptions,
} from "./redis-cluster.js";
export { CLUSTER_SLOT_COUNT, clusterInfo, splitSlots, startRedisCluster } from "./redis-cluster.js";
export type {
  RedisSentinelGroupHandle,
  StartRedisSentinelGroupOptions,
} from "./redis-sentinel-group.js";
export { startRedisSentinelGroup } from "./redis-sentinel-group.js";
export type { RedisServerHandle, StartRedisServerOptions } from "./redis-server.js";
export { externalRedisServer, startRedisServer } from "./redis-server.js";
export type { RedisTlsServerHandle, StartRedisTlsServerOptions } from "./redis-tls-server.js";
export { startRedisTlsServer } from "./redis-tls-server.js";
export type { RespArgument, RespReply } from "./resp-codec.js";
export { encodeRespCommand, RedisReplyError, RespParser } from "./resp-codec.js";
export type { RedisEndpoint, RedisTarget, RespConnectionOptions } from "./resp-connection.js";
export { RespConnection, redisCommand, redisCommandWithOptions } from "./resp-connection.js";
export type { TestCertificates } from "./test-certificates.js";
export { createTestCertificates } from "./test-certificates.js";
