import { parseArgs } from "node:util";
import { TAT_CALLS_PER_SECOND } from "@tat-bulk/tat-api";
import { UsageError } from "./exit-codes.js";

export interface Connection {
  url?: string;
  apiKey?: string;
}

export type Command =
  | {
      name: "submit";
      connection: Connection;
      json: boolean;
      wait: boolean;
      instances: string;
      request: {
        Name: string;
        CommandId: string;
        /** ONCE without InvokeTime: submit picks one late enough for the whole batch to drain first. */
        ScheduleSettings:
          | { Policy: "RECURRENCE"; Recurrence: string }
          | { Policy: "ONCE"; InvokeTime?: string };
        Username?: string;
        Parameters?: string;
        Tags?: Array<{ Key: string; Value: string }>;
        Region?: string;
      };
      idempotencyKey?: string;
    }
  | { name: "status"; connection: Connection; json: boolean; batchId: string; wait: boolean }
  | { name: "list"; connection: Connection; json: boolean; limit: number; offset: number }
  | { name: "cancel"; connection: Connection; json: boolean; batchId: string }
  | { name: "demo"; connection: Connection; json: boolean; count: number }
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
  cancel BATCH_ID
  demo [--count N]     Submit N generated instances (default 3000) and follow them.

Options:
  --url URL            Intake URL (or TAT_BULK_URL; default: the stack \`npm start\` runs)
  --api-key KEY        Intake API key (or TAT_BULK_API_KEY)
  --json               Machine-readable output
  -h, --help

Exit codes: 0 ok, 1 the batch ended with failed or cancelled chunks, 2 usage, 3 API error.`;

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be a whole number`);
  return Number(text);
}

/** Parses argv (without node and the script) into a command; throws UsageError with the reason. */
export function parseCommand(argv: readonly string[], now: () => Date = () => new Date()): Command {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "-h" || name === "--help") return { name: "help" };
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        "api-key": { type: "string" },
        json: { type: "boolean", default: false },
        wait: { type: "boolean", default: false },
        command: { type: "string" },
        instances: { type: "string" },
        cron: { type: "string" },
        at: { type: "string" },
        name: { type: "string" },
        username: { type: "string" },
        parameters: { type: "string" },
        tag: { type: "string", multiple: true },
        region: { type: "string" },
        "idempotency-key": { type: "string" },
        limit: { type: "string" },
        offset: { type: "string" },
        count: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { name: "help" };
  const connection: Connection = {
    ...(values.url ? { url: values.url } : {}),
    ...(values["api-key"] ? { apiKey: values["api-key"] } : {}),
  };
  const json = values.json ?? false;
  const batchId = () => {
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new UsageError(`${name} takes exactly one BATCH_ID`);
    return id;
  };
  switch (name) {
    case "submit": {
      if (!values.command) throw new UsageError("submit needs --command cmd-xxxxxxxx");
      if (!values.instances) throw new UsageError("submit needs --instances FILE (or - for standard input)");
      if (values.cron && values.at) throw new UsageError("--cron and --at cannot both be given");
      const schedule = values.cron
        ? { Policy: "RECURRENCE" as const, Recurrence: values.cron }
        : { Policy: "ONCE" as const, ...(values.at ? { InvokeTime: values.at } : {}) };
      const tags = (values.tag ?? []).map((pair) => {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new UsageError(`--tag takes key=value, got "${pair}"`);
        return { Key: pair.slice(0, eq), Value: pair.slice(eq + 1) };
      });
      return {
        name,
        connection,
        json,
        wait: values.wait ?? false,
        instances: values.instances,
        request: {
          Name: values.name ?? `tat-bulk-${now().toISOString().slice(0, 19).replace(/[-:T]/g, "")}`,
          CommandId: values.command,
          ScheduleSettings: schedule,
          ...(values.username !== undefined ? { Username: values.username } : {}),
          ...(values.parameters !== undefined ? { Parameters: values.parameters } : {}),
          ...(tags.length ? { Tags: tags } : {}),
          ...(values.region !== undefined ? { Region: values.region } : {}),
        },
        ...(values["idempotency-key"] ? { idempotencyKey: values["idempotency-key"] } : {}),
      };
    }
    case "status":
      return { name, connection, json, batchId: batchId(), wait: values.wait ?? false };
    case "cancel":
      return { name, connection, json, batchId: batchId() };
    case "list":
      return {
        name,
        connection,
        json,
        limit: positiveInt(values.limit, "--limit", 20),
        offset: positiveInt(values.offset, "--offset", 0),
      };
    case "demo":
      return { name, connection, json, count: positiveInt(values.count, "--count", 3000) };
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}
