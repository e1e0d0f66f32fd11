import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Cluster, Redis } from "ioredis";

/** A single Redis server or a Cluster: scripts are defined on either the same way. */
export type RedisClient = Redis | Cluster;
export type ScriptArg = string | number | Buffer;

const INCLUDE = /^--@include ([a-z0-9-]+\.lua)\s*$/gm;

/**
 * A `.lua` file's text with its `--@include other.lua` lines replaced by those files (from the same
 * folder, once each, recursively): Redis has no `require`, and shared functions (settling a batch)
 * must be part of every script that uses them.
 */
export function readLua(file: string | URL, seen: Set<string> = new Set()): string {
  const path = typeof file === "string" ? file : fileURLToPath(file);
  seen.add(path);
  return readFileSync(path, "utf8").replace(INCLUDE, (_line, name: string) => {
    const included = join(dirname(path), name);
    return seen.has(included) ? "" : readLua(included, seen);
  });
}

export interface ScriptDefinition<Reply> {
  /** The command name it is defined under on each client (unique per process). */
  name: string;
  /** The Lua text (see readLua). */
  lua: string;
  keys: number;
  /** Turns Redis's raw reply into a typed value; throws on a reply of the wrong shape. */
  parse: (reply: unknown) => Reply;
}

export class ScriptReplyError extends Error {
  override name = "ScriptReplyError";
}

/** Fails loudly when a script answers something its parser does not know. */
export function unexpectedReply(script: string, reply: unknown): never {
  throw new ScriptReplyError(`${script}: unexpected reply ${JSON.stringify(reply)?.slice(0, 200)}`);
}

const arrayOf =
  <T>(is: (r: unknown) => r is T) =>
  (script: string, reply: unknown): T[] =>
    Array.isArray(reply) && reply.every(is) ? reply : unexpectedReply(script, reply);

export const asStrings = arrayOf((r): r is string => typeof r === "string");
export const asNumbers = arrayOf((r): r is number => typeof r === "number");

export const asNumber = (script: string, reply: unknown): number =>
  typeof reply === "number" ? reply : unexpectedReply(script, reply);

type Call = (...args: ScriptArg[]) => Promise<unknown>;
const defined = new WeakMap<RedisClient, Map<string, Call>>();

/**
 * A Lua script loaded once per client with ioredis `defineCommand`, so that every call is an
 * EVALSHA (ioredis sends the text only when Redis answers NOSCRIPT, after a restart), behind a
 * typed call and reply parser.
 */
export class LuaScript<Reply> {
  constructor(readonly definition: ScriptDefinition<Reply>) {}

  /**
   * The script in a `.lua` file (includes expanded), defined under a name made from the file's:
   * `lua/apply-chunk.lua` is `tatBulkApplyChunk`. A prelude goes before it: definitions the code
   * owns and hands to the script (the batch hash's field names), in scope of every function.
   */
  static fromFile<Reply>(
    file: URL,
    keys: number,
    parse: (reply: unknown) => Reply,
    prelude = "",
  ): LuaScript<Reply> {
    const base = file.pathname.replace(/^.*\//, "").replace(/\.lua$/, "");
    const name = `tatBulk${base.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;
    return new LuaScript({ name, lua: prelude + readLua(file), keys, parse });
  }

  private command(redis: RedisClient): Call {
    let commands = defined.get(redis);
    if (!commands) {
      commands = new Map();
      defined.set(redis, commands);
    }
    let call = commands.get(this.definition.name);
    if (!call) {
      const { name, lua, keys } = this.definition;
      redis.defineCommand(name, { numberOfKeys: keys, lua });
      const method: unknown = Reflect.get(redis, name);
      if (typeof method !== "function") throw new Error(`defineCommand did not define ${name}`);
      call = (...args) => Reflect.apply(method, redis, args) as Promise<unknown>;
      commands.set(name, call);
    }
    return call;
  }

  /** Runs the script with exactly `keys` keys, then the arguments. */
  async run(redis: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<Reply> {
    if (keys.length !== this.definition.keys) {
      throw new Error(`${this.definition.name} takes ${this.definition.keys} keys, got ${keys.length}`);
    }
    return this.definition.parse(await this.command(redis)(...keys, ...args));
  }
}
