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

/** The built entry point of an app of this repository. */
export function appEntry(app: AppName | "local-stack" | "cli"): string {
  return fileURLToPath(new URL(`../../../apps/${app}/dist/main.js`, import.meta.url));
}

/**
 * Runs a built app as its own process on a free port (`PORT=0`, loopback) and waits until it serves;
 * `ready` is its URL (the worker's: its health and metrics server).
 */
export function startApp(app: AppName, env: Record<string, string>): Promise<ServiceProcess> {
  const appDir = fileURLToPath(new URL(`../../../apps/${app}`, import.meta.url));
  return spawnService(
    appCommand(appDir),
    { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    READY[app],
  );
}
