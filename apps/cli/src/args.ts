import { parseArgs } from "node:util";
import { TAT_CALLS_PER_SECOND } from "@tat-bulk/tat-api";
import { UsageError } from "./exit-codes.js";

export interface Connection {
  url?: string;
  apiKey?: string;
}

/** What every command that talks to the intake carries. */
interface Common {
  connection: Connection;
  json: boolean;
}

export type CancelInvokers = "disable" | "delete" | "keep";

export interface SubmitRequest {
  Name: string;
  CommandId: string;
  /** ONCE without InvokeTime: submit picks one late enough for the whole batch to drain first. */
  ScheduleSettings: { Policy: "RECURRENCE"; Recurrence: string } | { Policy: "ONCE"; InvokeTime?: string };
  Username?: string;
  Parameters?: string;
  Tags?: Array<{ Key: string; Value: string }>;
  Region?: string;
}

/** The commands that act on one batch, named by its ID. */
export const BATCH_COMMANDS = [
  "status",
  "cancel",
  "failed",
  "retry",
  "disable",
  "enable",
  "delete-invokers",
  "export",
  "purge",
] as const;
export type BatchCommandName = (typeof BATCH_COMMANDS)[number];

export type Command =
  | (Common & {
      name: "submit";
      wait: boolean;
      instances: string;
      request: SubmitRequest;
      idempotencyKey?: string;
    })
  | (Common & { name: BatchCommandName; batchId: string; wait: boolean; invokers?: CancelInvokers })
  | (Common & { name: "list"; limit: number; offset: number })
  | (Common & { name: "runs"; batchId: string })
  | (Common & { name: "run"; batchId: string; runId: string; failed: boolean })
  | (Common & { name: "rerun"; batchId: string; runId: string; wait: boolean })
  | (Common & { name: "demo"; count: number })
  | (Common & { name: "dead-letters"; retry?: { queue: "chunks" | "runs"; jobId: string } })
  | { name: "hash-key" }
  | { name: "help" };

export const USAGE = `Usage: tat-bulk <command> [options]

Commands:
  submit --command cmd-xxxxxxxx --instances FILE|- [--cron EXPR | --at ISO]
         [--name NAME] [--username USER] [--parameters JSON] [--tag key=value ...]
         [--region REGION] [--idempotency-key KEY] [--wait]
                       Submit a bulk CreateInvoker request. Instances: one ID per line,
                       CSV (first column) or a JSON array; "-" reads standard input.
                       Without --cron or --at: run once, 5 minutes after the
                       batch should have drained (at ${TAT_CALLS_PER_SECOND} calls/s).
  status BATCH_ID [--wait]   Show a batch (with --wait: follow it to the end).
  list [--limit N] [--offset N]
  cancel BATCH_ID [--invokers disable|delete|keep]
                       Stop what is not sent; then disable (default), delete or keep
                       the invokers the batch already created.
  failed BATCH_ID      Print the batch's failed instance IDs, one per line
                       (pipe them into: submit --instances -).
  retry BATCH_ID [--wait]    Send the batch's failed instances again.
  disable | enable | delete-invokers BATCH_ID [--wait]
                       Disable, enable or delete every invoker of the batch.
  runs BATCH_ID         The batch's runs (what its invokers ran at each scheduled time).
  run BATCH_ID RUN_ID [--failed]
                       A run: counts and failures grouped; --failed adds every
                       failed instance with its output.
  rerun BATCH_ID RUN_ID [--wait]
                       Run the command again on a finished run's failed instances.
  export BATCH_ID      Write the batch, its chunks, instances, runs and their instances
                       as NDJSON to standard output (before it expires: BATCH_RETENTION).
  purge BATCH_ID       Remove a finished batch and everything under it now.
  demo [--count N]     Submit N generated instances (default 3000) and follow them.
  dead-letters [retry chunks|runs JOB_ID]
                       Jobs the workers parked after too many unforeseen errors in a
                       row (admin); retry sends one again.
  hash-key             Print the SHA-256 of a key read from standard input: the
                       KeySha256 of a caller in INTAKE_CALLERS_FILE.

Options:
  --url URL            Intake URL (or TAT_BULK_URL; default: the stack \`npm start\` runs)
  --api-key KEY        Intake API key (or TAT_BULK_API_KEY)
  --json               Machine-readable output
  -h, --help

Exit codes: 0 ok, 1 the batch ended with instances failed or cancelled, 2 usage, 3 API error.`;

/** Options that take a value. */
const TEXT_OPTIONS = [
  ...["url", "api-key", "command", "instances", "cron", "at", "name", "username", "parameters"],
  ...["region", "idempotency-key", "limit", "offset", "count", "invokers"],
] as const;

const OPTIONS = {
  ...(Object.fromEntries(TEXT_OPTIONS.map((name) => [name, { type: "string" }])) as Record<
    (typeof TEXT_OPTIONS)[number],
    { type: "string" }
  >),
  json: { type: "boolean", default: false },
  wait: { type: "boolean", default: false },
  failed: { type: "boolean", default: false },
  tag: { type: "string", multiple: true },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>
>["values"];

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be a whole number`);
  return Number(text);
}

function submitRequest(values: Values, now: () => Date): SubmitRequest {
  if (!values.command) throw new UsageError("submit needs --command cmd-xxxxxxxx");
  if (values.cron && values.at) throw new UsageError("--cron and --at cannot both be given");
  const tags = (values.tag ?? []).map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--tag takes key=value, got "${pair}"`);
    return { Key: pair.slice(0, eq), Value: pair.slice(eq + 1) };
  });
  return {
    Name: values.name ?? `tat-bulk-${now().toISOString().slice(0, 19).replace(/[-:T]/g, "")}`,
    CommandId: values.command,
    ScheduleSettings: values.cron
      ? { Policy: "RECURRENCE", Recurrence: values.cron }
      : { Policy: "ONCE", ...(values.at ? { InvokeTime: values.at } : {}) },
    ...(values.username !== undefined ? { Username: values.username } : {}),
    ...(values.parameters !== undefined ? { Parameters: values.parameters } : {}),
    ...(tags.length ? { Tags: tags } : {}),
    ...(values.region !== undefined ? { Region: values.region } : {}),
  };
}

/** Parses argv (without node and the script) into a command; throws UsageError with the reason. */
export function parseCommand(argv: readonly string[], now: () => Date = () => new Date()): Command {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "-h" || name === "--help") return { name: "help" };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { name: "help" };
  if (name === "hash-key") {
    if (positionals.length)
      throw new UsageError("hash-key reads the key from standard input, not an argument");
    return { name };
  }
  const common: Common = {
    connection: {
      ...(values.url ? { url: values.url } : {}),
      ...(values["api-key"] ? { apiKey: values["api-key"] } : {}),
    },
    json: values.json ?? false,
  };
  const wait = values.wait ?? false;
  if ((BATCH_COMMANDS as readonly string[]).includes(name)) {
    const [batchId] = positionals;
    if (!batchId || positionals.length > 1) throw new UsageError(`${name} takes exactly one BATCH_ID`);
    const invokers = values.invokers;
    if (invokers !== undefined && invokers !== "disable" && invokers !== "delete" && invokers !== "keep") {
      throw new UsageError("--invokers takes disable, delete or keep");
    }
    return { name: name as BatchCommandName, ...common, batchId, wait, ...(invokers ? { invokers } : {}) };
  }
  switch (name) {
    case "submit": {
      const request = submitRequest(values, now);
      if (!values.instances) throw new UsageError("submit needs --instances FILE (or - for standard input)");
      const key = values["idempotency-key"];
      return {
        name,
        ...common,
        wait,
        instances: values.instances,
        request,
        ...(key ? { idempotencyKey: key } : {}),
      };
    }
    case "list":
      return {
        name,
        ...common,
        limit: positiveInt(values.limit, "--limit", 20),
        offset: positiveInt(values.offset, "--offset", 0),
      };
    case "demo":
      return { name, ...common, count: positiveInt(values.count, "--count", 3000) };
    case "dead-letters": {
      if (positionals.length === 0) return { name, ...common };
      const [verb, queue, jobId, ...extra] = positionals;
      if (verb !== "retry" || (queue !== "chunks" && queue !== "runs") || !jobId || extra.length)
        throw new UsageError("dead-letters takes nothing, or: retry chunks|runs JOB_ID");
      return { name, ...common, retry: { queue, jobId } };
    }
    case "runs": {
      const [batchId, ...extra] = positionals;
      if (!batchId || extra.length) throw new UsageError("runs takes exactly one BATCH_ID");
      return { name, ...common, batchId };
    }
    case "run":
    case "rerun": {
      const [batchId, runId, ...extra] = positionals;
      if (!batchId || !runId || extra.length) throw new UsageError(`${name} takes BATCH_ID RUN_ID`);
      return name === "run"
        ? { name, ...common, batchId, runId, failed: values.failed ?? false }
        : { name, ...common, batchId, runId, wait };
    }
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}
