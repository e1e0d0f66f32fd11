import { type Command, parseCommand, USAGE } from "./args.js";
import {
  cancel,
  demoInstances,
  follow,
  type Io,
  list,
  readInstances,
  showStatus,
  submit,
} from "./commands.js";
import { resolveConnection } from "./connection.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { IntakeClient, IntakeError } from "./intake-client.js";

async function dispatch(
  command: Exclude<Command, { name: "help" }>,
  client: IntakeClient,
  io: Io,
): Promise<number> {
  switch (command.name) {
    case "submit":
      return submit(
        command,
        client,
        io,
        readInstances(command.instances, io),
        { Type: "SCHEDULE", ...command.request, ScheduleSettings: { ...command.request.ScheduleSettings } },
        command.wait,
        command.idempotencyKey,
      );
    case "status":
      return command.wait
        ? follow(client, command.batchId, io, command.json)
        : showStatus(client, command.batchId, io, command.json);
    case "list":
      return list(client, command.offset, command.limit, io, command.json);
    case "cancel":
      return cancel(client, command.batchId, io, command.json);
    case "demo":
      return submit(
        command,
        client,
        io,
        demoInstances(command.count),
        {
          Name: "tat-bulk-demo",
          Type: "SCHEDULE",
          CommandId: "cmd-m7uma92n",
          ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 3 * * *" },
          Tags: [{ Key: "demo", Value: "true" }],
        },
        true,
      );
  }
}

/** The whole CLI as a function of argv, environment and I/O: what main runs and what tests call. */
export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  io: Io,
): Promise<number> {
  try {
    const command = parseCommand(argv);
    if (command.name === "help") {
      io.out(USAGE);
      return EXIT.OK;
    }
    const { url, apiKey } = resolveConnection(command.connection, env, cwd);
    return await dispatch(command, new IntakeClient(url, apiKey), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`tat-bulk: ${error.message}\nRun "tat-bulk --help" for usage.`);
      return EXIT.USAGE;
    }
    if (error instanceof IntakeError) {
      io.err(
        `tat-bulk: ${error.code}: ${error.message}${error.requestId ? ` (RequestId ${error.requestId})` : ""}`,
      );
      return EXIT.API_ERROR;
    }
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      io.err(`tat-bulk: ${(error as Error).message}`);
      return EXIT.USAGE;
    }
    throw error;
  }
}
