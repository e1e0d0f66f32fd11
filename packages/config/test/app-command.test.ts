import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appCommand } from "../src/app-command.js";

const dirs: string[] = [];
function appDir(manifest: object): string {
  const dir = mkdtempSync(join(tmpdir(), "app-command-"));
  dirs.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("appCommand", () => {
  it("puts the app's Node flags before its entry point", () => {
    const dir = appDir({ name: "a", nodeFlags: ["--max-semi-space-size=64", "--enable-source-maps"] });
    expect(appCommand(dir)).toEqual([
      "--max-semi-space-size=64",
      "--enable-source-maps",
      join(dir, "dist", "main.js"),
    ]);
  });

  it("runs an app without nodeFlags with none", () => {
    const dir = appDir({ name: "b" });
    expect(appCommand(dir)).toEqual([join(dir, "dist", "main.js")]);
  });

  it("refuses flags that are not a list of --flags", () => {
    expect(() => appCommand(appDir({ nodeFlags: "--max-semi-space-size=64" }))).toThrow(/nodeFlags/);
    expect(() => appCommand(appDir({ nodeFlags: ["main.js"] }))).toThrow(/nodeFlags/);
  });

  it("reads the intake's own flags", () => {
    const intake = new URL("../../../apps/intake", import.meta.url).pathname;
    expect(appCommand(intake)[0]).toMatch(/^--max-semi-space-size=\d+$/);
  });
});
