import { randomUUID } from "node:crypto";
import { asNumber, LuaScript, type RedisClient } from "./lua-script.js";

const lua = (name: string) => new URL(`../lua/${name}`, import.meta.url);
const HOLD = LuaScript.fromFile(lua("lease-hold.lua"), 1, (reply) => asNumber("lease-hold", reply) === 1);
const RELEASE = LuaScript.fromFile(
  lua("lease-release.lua"),
  1,
  (reply) => asNumber("lease-release", reply) === 1,
);

/**
 * A lease in Redis that elects one holder among processes (a leader for periodic work). The holder
 * renews it before it runs out; a holder that dies loses it after `ttlMs`, and another takes over.
 */
export class RedisLease {
  readonly token = randomUUID();

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes or renews the lease: whether this process holds it now. */
  hold(): Promise<boolean> {
    return HOLD.run(this.redis, [this.key], [this.token, this.ttlMs]);
  }

  release(): Promise<boolean> {
    return RELEASE.run(this.redis, [this.key], [this.token]);
  }
}
