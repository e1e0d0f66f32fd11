import { loadConfigOrExit } from "@tat-bulk/config";
import { banner } from "./banner.js";
import { loadStackConfig } from "./env.js";
import { StackError, startStack } from "./stack.js";

const write = (line: string) => process.stdout.write(`${line}\n`);
// Whoever read our output may be gone (a closed terminal, a killed pipe): the stack must still
// stop its children when told to, so a broken stdout is not a reason to die.
process.stdout.on("error", () => undefined);
process.stderr.on("error", () => undefined);

const config = loadConfigOrExit("npm start", loadStackConfig, process.env);

try {
  const stack = await startStack(config, process.env, write);
  write(banner(stack));
  let exiting = false;
  let stopped = false;
  // The last resort when this process dies without stopping the stack (an uncaught error).
  process.on("exit", () => {
    if (stopped) return;
    for (const pid of stack.pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
  const shutdown = async (reason: string, code: number) => {
    if (exiting) return;
    exiting = true;
    write(`[stack] ${reason}; stopping every process`);
    await stack.stop();
    stopped = true;
    write("[stack] stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("SIGINT", 0));
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));
  const died = await stack.unexpectedExit;
  await shutdown(`${died.name} exited on its own with code ${died.code}`, 1);
} catch (error) {
  console.error(error instanceof StackError ? `npm start: ${error.message}` : error);
  process.exit(1);
}
