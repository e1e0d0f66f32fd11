import { describe, expect, it } from "vitest";
import { serialPerKey } from "../src/serial-per-key.js";

describe("serialPerKey", () => {
  it("runs one task per key at a time, in order", async () => {
    const serial = serialPerKey();
    const order: string[] = [];
    const task = (name: string, ms: number) => () =>
      new Promise<void>((resolve) => setTimeout(resolve, ms)).then(() => {
        order.push(name);
      });
    await Promise.all([
      serial("a", task("first", 30)),
      serial("a", task("second", 0)),
      serial("b", task("other", 0)),
    ]);
    expect(order).toEqual(["other", "first", "second"]);
  });

  it("frees the key when the waiter at its head gives up on an answer that never comes", async () => {
    const serial = serialPerKey();
    const stuck = new AbortController();
    // A Redis answer lost to a restart: the head's task never settles.
    const head = serial("bucket", () => new Promise<never>(() => undefined), stuck.signal);
    const next = serial("bucket", async () => "next ran");
    stuck.abort(new Error("deadline"));
    await expect(head).rejects.toThrow("deadline");
    expect(await next).toBe("next ran");
  });

  it("lets a queued waiter leave at once when its signal aborts, and never runs its task", async () => {
    const serial = serialPerKey();
    let release: () => void = () => undefined;
    const head = serial("bucket", () => new Promise<void>((resolve) => (release = resolve)));
    const leaving = new AbortController();
    let ran = false;
    const queued = serial("bucket", async () => (ran = true), leaving.signal);
    leaving.abort(new Error("gone"));
    await expect(queued).rejects.toThrow("gone");
    release();
    await head;
    await serial("bucket", async () => undefined);
    expect(ran).toBe(false);
  });
});
