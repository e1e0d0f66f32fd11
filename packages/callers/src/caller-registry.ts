import { timingSafeEqual } from "node:crypto";
import { type Caller, sha256Hex } from "./caller.js";
import { CallersFileError } from "./callers-file.js";

/**
 * The configured callers, found by API key. A presented key is hashed, and its hash compared with
 * every caller's in constant time, so neither which caller matched nor how much of a hash did
 * leaks through timing.
 */
export class CallerRegistry {
  private readonly digests: Array<{ caller: Caller; digest: Buffer }>;
  private readonly named = new Map<string, Caller>();

  constructor(readonly callers: readonly Caller[]) {
    const hashes = new Set<string>();
    for (const caller of callers) {
      if (this.named.has(caller.Name)) throw new CallersFileError(`two callers are named "${caller.Name}"`);
      if (hashes.has(caller.KeySha256)) {
        throw new CallersFileError(`caller "${caller.Name}" has the same key as another caller`);
      }
      this.named.set(caller.Name, caller);
      hashes.add(caller.KeySha256);
    }
    this.digests = callers.map((caller) => ({ caller, digest: Buffer.from(caller.KeySha256, "hex") }));
  }

  authenticate(key: string): Caller | undefined {
    const presented = Buffer.from(sha256Hex(key), "hex");
    let found: Caller | undefined;
    for (const { caller, digest } of this.digests) {
      if (timingSafeEqual(digest, presented)) found = caller;
    }
    return found;
  }

  byName(name: string): Caller | undefined {
    return this.named.get(name);
  }
}
