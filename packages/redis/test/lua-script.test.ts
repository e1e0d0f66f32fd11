import { connectTestRedis } from "@tat-bulk/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asNumber, LuaScript, readLua, ScriptReplyError } from "../src/lua-script.js";

let redis: Redis;
let closeRedis: () => Promise<void>;
beforeAll(async () => ({ redis, close: closeRedis } = await connectTestRedis()));
afterAll(() => closeRedis());

const main = new URL("./fixtures/main.lua", import.meta.url);
const script = new LuaScript({
  name: "testDoubleIncr",
  lua: readLua(main),
  keys: 1,
  parse: (reply) => {
    if (!Array.isArray(reply) || typeof reply[0] !== "number") throw new ScriptReplyError("bad");
    return { total: reply[0], echo: String(reply[1]) };
  },
});

async function commandCalls(name: string): Promise<number> {
  const info = await redis.info("commandstats");
  return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describe("readLua", () => {
  it("replaces each include once, with the file's text", () => {
    const text = readLua(main);
    expect(text.match(/local function double/g)).toHaveLength(1);
    expect(text).not.toContain("@include");
  });
});

describe("LuaScript", () => {
  it("runs by SHA after the first call, and parses the reply", async () => {
    const key = `lua-${Date.now()}`;
    expect(await script.run(redis, [key], [2, "x"])).toEqual({ total: 4, echo: "x" });
    const evals = await commandCalls("eval");
    const shas = await commandCalls("evalsha");
    expect(await script.run(redis, [key], [3, "y"])).toEqual({ total: 10, echo: "y" });
    expect(await commandCalls("eval")).toBe(evals);
    expect(await commandCalls("evalsha")).toBe(shas + 1);
  });

  it("loads the script again when Redis forgot it (SCRIPT FLUSH, a restart)", async () => {
    await redis.script("FLUSH");
    expect(await script.run(redis, [`lua-flushed-${Date.now()}`], [1, "z"])).toEqual({ total: 2, echo: "z" });
  });

  it("refuses the wrong number of keys, and a reply its parser does not know", async () => {
    await expect(script.run(redis, [], [1, "x"])).rejects.toThrow("takes 1 keys");
    const wrong = new LuaScript({
      name: "testWrongReply",
      lua: "return 'text'",
      keys: 0,
      parse: (r) => asNumber("testWrongReply", r),
    });
    await expect(wrong.run(redis, [], [])).rejects.toThrow(ScriptReplyError);
  });
});
