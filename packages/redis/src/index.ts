export {
  asNumber,
  asNumbers,
  asStrings,
  LuaScript,
  type RedisClient,
  unexpectedReply,
} from "./lua-script.js";
export { bullPrefix, createRedisClient, redisSettingsOf } from "./redis-connection.js";
export { isRedisOutOfMemory, isRedisUnavailable, whenReady } from "./redis-errors.js";
export { RedisLease } from "./redis-lease.js";
export { watchForLoss } from "./redis-lost.js";
export { checkEvictionPolicy, connectedReplicas, type RedisMemory, redisMemory } from "./redis-memory.js";
