import { SIMULATOR_CREDENTIALS } from "@tat-bulk/config";
import { TatClient } from "@tat-bulk/tat-client";
import { sampleBatch, simAdmin } from "@tat-bulk/test-support";
import { pino } from "pino";
import { createSimulator, type Simulator } from "../src/app.js";
import { loadSimConfig } from "../src/env.js";
import type { WorldFile } from "../src/world.js";
import { worldFrom } from "../src/world.js";

export const { secretId: SECRET_ID, secretKey: SECRET_KEY } = SIMULATOR_CREDENTIALS;

export interface SimHarness {
  sim: Simulator;
  url: string;
  client(options?: Partial<{ secretId: string; secretKey: string; timeoutMs: number }>): TatClient;
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startSim(env: Record<string, string> = {}, world?: WorldFile): Promise<SimHarness> {
  const config = loadSimConfig({ PORT: "0", ...env });
  const sim = createSimulator(config, pino({ level: "silent" }), world ? worldFrom(world) : undefined);
  const url = await sim.listen(0, "127.0.0.1");
  const clients: TatClient[] = [];
  const callAdmin = simAdmin(url);
  return {
    sim,
    url,
    client(options = {}) {
      const client = new TatClient({
        endpoint: url,
        secretId: options.secretId ?? SECRET_ID,
        secretKey: options.secretKey ?? SECRET_KEY,
        timeoutMs: options.timeoutMs ?? 5000,
      });
      clients.push(client);
      return client;
    },
    admin<T>(method: string, path: string, body?: unknown) {
      return callAdmin<T>(method, path, body);
    },
    async close() {
      for (const client of clients) client.close();
      await sim.close();
    },
  };
}

export const createParams = (
  instanceIds: string[] = ["ins-yx05ky8j"],
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({ ...sampleBatch(instanceIds), Name: "sim-test", ...extra });
