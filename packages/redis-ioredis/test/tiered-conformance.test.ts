/**
 * The shared tiered conformance suite over ioredis: L1 in memory, L2 an ioredis backend and
 * invalidations on an ioredis bus; peers are second instances with their own connections.
 */

import { describeRedisTieredConformance } from "@apikey/conformance/redis";
import { useRedisServer } from "@apikey/redis-test-server/vitest";
import { ioredisDriver } from "../src/index.js";

const redis = useRedisServer({ spawn: true });

describeRedisTieredConformance("tiered over ioredis", { driver: ioredisDriver, redis });
