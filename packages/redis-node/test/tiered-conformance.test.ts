/**
 * The shared tiered conformance suite over node-redis: L1 in memory, L2 a node-redis backend and
 * invalidations on a node-redis bus; peers are second instances with their own connections.
 */

import { describeRedisTieredConformance } from "@apikey/conformance/redis";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { nodeRedisDriver } from "../src/index.js";

const redis = useRedisServer({ spawn: true });

describeRedisTieredConformance("tiered over node-redis", { driver: nodeRedisDriver, redis });
