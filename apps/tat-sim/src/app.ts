import { createServer, type Server, type ServerResponse } from "node:http";
import { once } from "@tat-bulk/config";
import { closeServer, listen, serveHealth } from "@tat-bulk/metrics";
import type { Logger } from "pino";
import { handleAdmin } from "./admin-routes.js";
import { handleApiCall } from "./api3-handler.js";
import type { SimConfig } from "./env.js";
import { sendJson } from "./http-io.js";
import { createSimulatorState, type SimulatorState } from "./simulator-state.js";
import type { World } from "./world.js";

export interface Simulator {
  state: SimulatorState;
  server: Server;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/** The TAT simulator: API 3.0 on `POST /`, `/metrics`, and the `/__admin` API. */
export function createSimulator(config: SimConfig, logger: Logger, world?: World): Simulator {
  const state = createSimulatorState(config, logger, world);
  const hung = new Set<ServerResponse>();
  const health = { registry: state.registry, ready: async () => true };
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    let work: Promise<void>;
    if (path.startsWith("/__admin/")) work = handleAdmin(state, req, res);
    else if (serveHealth(health, req, res)) return;
    else if (path === "/" && req.method === "POST") work = handleApiCall(state, hung, req, res);
    else work = Promise.resolve(sendJson(res, 404, { error: "API 3.0 calls are POST /" }));
    work.catch((error: unknown) => {
      logger.error({ err: error }, "request failed");
      if (!res.headersSent) res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  return {
    state,
    server,
    listen(port, host) {
      state.firing.start();
      return listen(server, port, host);
    },
    close: once(async () => {
      state.firing.stop();
      state.stats.close();
      for (const res of hung) res.destroy();
      const closed = closeServer(server);
      server.closeAllConnections();
      await closed;
    }),
  };
}
