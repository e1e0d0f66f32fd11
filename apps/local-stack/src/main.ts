import { loadConfigOrExit } from "@tat-bulk/config";
import { banner } from "./banner.js";
import { loadStackConfig } from "./env.js";
import { StackError, startStack } from "./stack.js";

const write = (line: string) => process.stdout.write(`${line}\n`);

const config = loadConfigOrExit("npm start", loadStackConfig, process.env);

try {
  const stack = await startStack(config, process.env, write);
  write(banner(stack));
  let exiting = false;
  const shutdown = async (reason: string, code: number) => {
    if (exiting) return;
    exiting = true;
    write(`[stack] ${reason}; stopping every process`);
    await stack.stop();
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
