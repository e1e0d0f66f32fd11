import { createHash } from "node:crypto";
import { type Command, parseCommand, USAGE } from "./args.js";
import { batchCommand, list } from "./batch-commands.js";
import { resolveConnection } from "./connection.js";
import { deadLetters } from "./dead-letter-commands.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { IntakeClient, IntakeError } from "./intake-client.js";
import type { Io } from "./io.js";
import { listRuns, rerun, showRun } from "./run-commands.js";
import { demo, readInstances, submit } from "./submit.js";

export type { Io } from "./io.js";

/**
 * The key comes in on standard input, so it is not left in shell history or `ps`. Hex SHA-256, as
 * the intake hashes a presented key (@tat-bulk/callers' sha256Hex; not imported, to keep the CLI
 * free of the server's dependencies).
 */
function hashKey(io: Io): number {
  const key = io.readStdin().trim();
  if (key.length < 16)
    throw new UsageError("hash-key: the key on standard input needs at least 16 characters");
  io.out(createHash("sha256").update(key).digest("hex"));
  return EXIT.OK;
}

function dispatch(
  command: Exclude<Command, { name: "help" | "hash-key" }>,
  client: IntakeClient,
  io: Io,
): Promise<number> {
  switch (command.name) {
    case "submit":
      return submit(client, io, {
        request: command.request,
        instanceIds: readInstances(command.instances, io),
        wait: command.wait,
        json: command.json,
        ...(command.idempotencyKey ? { idempotencyKey: command.idempotencyKey } : {}),
      });
    case "list":
      return list(client, io, command, command.json);
    case "demo":
      return demo(client, io, command.count, command.json);
    case "runs":
      return listRuns(client, command.batchId, io, command.json);
    case "run":
      return showRun(client, command, io, command);
    case "rerun":
      return rerun(client, command, io, command);
    case "dead-letters":
      return deadLetters(client, io, command);
    default:
      return batchCommand(client, io, command);
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
    if (command.name === "hash-key") return hashKey(io);
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
