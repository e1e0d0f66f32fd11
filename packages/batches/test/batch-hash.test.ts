import { readdirSync, readFileSync } from "node:fs";
import { connectTestRedis } from "@tat-bulk/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCH_FIELD, BATCH_FIELDS_LUA, invokersPending, PENDING_INVOKER_STATES } from "../src/batch-hash.js";
import { INVOKER_STATES } from "../src/batch-types.js";

let redis: Redis;
let close: () => Promise<void>;
beforeAll(async () => ({ redis, close } = await connectTestRedis()));
afterAll(() => close());

/** The scripts that read or write a batch hash. */
const SCRIPT_DIRS = [new URL("../lua/", import.meta.url), new URL("../../retention/lua/", import.meta.url)];

describe("the batch hash's field names", () => {
  it("reach the scripts as F, with the pending-invokers rule in field names", async () => {
    const reply = await redis.eval(
      `${BATCH_FIELDS_LUA}return cjson.encode({F.status, F.quietAt, F.instancesFailed, F.pending.DELETED})`,
      0,
    );
    expect(JSON.parse(String(reply))).toEqual([
      "status",
      "quietAt",
      "instancesFailed",
      ["invokersEnabled", "invokersDisabled"],
    ]);
  });

  it("are spelled by no script: each reads them from F", () => {
    const fields = Object.values(BATCH_FIELD);
    const spelled: string[] = [];
    for (const dir of SCRIPT_DIRS) {
      for (const name of readdirSync(dir).filter((n) => n.endsWith(".lua"))) {
        const lines = readFileSync(new URL(name, dir), "utf8").split("\n");
        lines.forEach((line, i) => {
          // Comments name fields in prose; a run's hash has fields of its own (runPrefix).
          if (line.trimStart().startsWith("--") || line.includes("runPrefix")) return;
          for (const field of fields)
            if (line.includes(`'${field}'`)) spelled.push(`${name}:${i + 1} '${field}'`);
        });
      }
    }
    expect(spelled).toEqual([]);
  });

  it("count as pending the invokers an action has still to change", () => {
    const counts = { ENABLED: 3, DISABLED: 5, DELETED: 7 };
    expect(INVOKER_STATES.map((target) => invokersPending(target, counts))).toEqual([5, 3, 8]);
    for (const target of INVOKER_STATES) expect(PENDING_INVOKER_STATES[target]).not.toContain(target);
  });
});
