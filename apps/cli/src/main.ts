import { readFileSync } from "node:fs";
import { run } from "./run.js";

const tty = process.stderr.isTTY;
const code = await run(process.argv.slice(2), process.env, process.cwd(), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  ...(tty
    ? { status: (line: string) => process.stderr.write(line === "\n" ? "\n" : `\r\x1b[2K${line}`) }
    : {}),
  readStdin: () => readFileSync(0, "utf8"),
  pollMs: 500,
});
process.exitCode = code;
