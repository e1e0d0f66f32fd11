import { fileURLToPath } from "node:url";
import { appCommand } from "@tat-bulk/config";
import { type ServiceProcess, spawnService } from "./spawn-service.js";

export type AppName = "intake" | "worker" | "tat-sim";

/** The log line each app prints once it serves; its capture is the app's base URL. */
const READY: Record<AppName, RegExp> = {
  intake: /"url":"([^"]+)"/,
  worker: /"health":"([^"]+)"/,
  "tat-sim": /"url":"([^"]+)"/,
};

/**
 * Runs a built app as its own process, with the Node flags it asks for, on a free port (`PORT=0`,
 * loopback) and waits until it serves; `ready` is its URL (the worker's: its health and metrics
 * server).
 */
export function startApp(app: AppName, env: Record<string, string>): Promise<ServiceProcess> {
  const appDir = fileURLToPath(new URL(`../../../apps/${app}`, import.meta.url));
  return spawnService(
    appCommand(appDir),
    { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    READY[app],
  );
}
