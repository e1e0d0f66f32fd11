export { chaosHeld, checkChaosRun } from "./chaos/chaos-checks.js";
export type { AcceptedBatch } from "./chaos/chaos-load.js";
export { runChaos } from "./chaos/chaos-run.js";
export { cvmIds, SAMPLE_REQUEST, sampleBatch, simulatorWorkerEnv } from "./fixtures.js";
export { freePort } from "./free-port.js";
export { intakeCaller } from "./intake-caller.js";
export { namespaceKeys } from "./namespace-keys.js";
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.js";
export {
  type ClusterProcessStack,
  type ProcessStack,
  type SentinelProcessStack,
  startClusterProcessStack,
  startProcessStack,
  startSentinelProcessStack,
} from "./process-stack.js";
export { startSentinels, type TestSentinels } from "./redis-sentinel.js";
export {
  connectTestRedis,
  type RedisServer,
  startRedisServer,
  startTestRedis,
  type TestRedis,
} from "./redis-server.js";
export { simAdmin } from "./sim-admin.js";
export { type ServiceProcess, spawnProcess, spawnService } from "./spawn-service.js";
export { startApp } from "./start-app.js";
