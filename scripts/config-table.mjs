// npm run docs:config — writes the variable tables of docs/configuration.md from the apps' zod
// schemas (names, order and defaults, read from the built apps) and the doc comments above each
// field in the source (apps/<app>/src/env.ts, packages/config/src). `--check` (run by `npm test`)
// exits 1 when the file differs from what would be written, so the tables cannot drift.
// A field without a doc comment joins the row of the field just above it (`A` / `B`).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DOC = join(ROOT, "docs/configuration.md");
/** Each table: the app, its schema's export, and whether the intake's shared rows are repeated. */
const APPS = [
  { app: "intake", schema: "intakeEnvSchema" },
  { app: "worker", schema: "workerEnvSchema", sharedAsIntake: true },
  { app: "tat-sim", schema: "simEnvSchema" },
  { app: "local-stack", schema: "stackEnvSchema" },
];
const SHARED_SOURCE = join(ROOT, "packages/config/src");

/** Doc comments of UPPER_CASE properties in object literals: key -> { doc, lead } (lead: the field it joins). */
function docComments(files) {
  const found = new Map();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isObjectLiteralExpression(node)) {
        let lead;
        for (const property of node.properties) {
          if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
          const key = property.name.text;
          if (!/^[A-Z][A-Z0-9_]+$/.test(key)) continue;
          const docs = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc);
          const text = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ");
          const doc = text.replace(/\s+/g, " ").trim();
          if (doc) lead = key;
          if (!found.has(key)) found.set(key, doc ? { doc } : { lead });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

const tsFiles = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));

/** The default as written (before a transform such as `30d` to milliseconds), if the field has one. */
function writtenDefault(field) {
  let node = field;
  for (let depth = 0; depth < 10 && node; depth++) {
    const def = node._zod?.def;
    if (def?.type === "default" || def?.type === "prefault") return { value: def.defaultValue };
    if (def?.type !== "pipe") return undefined;
    node = def.in;
  }
  return undefined;
}

/** What a field is when unset: its default, "unset", or "required". */
function defaultOf(field) {
  const written = writtenDefault(field);
  const parsed = written ?? field.safeParse(undefined);
  if (!written && !parsed.success) return "required";
  let value = written ? written.value : parsed.data;
  if (value === undefined) return "unset";
  // A path inside the checkout (the console's files) reads relative to it.
  if (typeof value === "string" && value.startsWith(ROOT)) value = value.slice(ROOT.length);
  if (value instanceof Map)
    return value.size === 0 ? "empty" : `\`${[...value].map(([k, v]) => `${k}=${v}`).join(",")}\``;
  if (Array.isArray(value)) return value.length === 0 ? "empty" : `\`${value.join(",")}\``;
  return `\`${String(value)}\``;
}

const cell = (text) => text.replaceAll("|", "\\|");

async function table({ app, schema, sharedAsIntake }, intakeDefaults) {
  const module = await import(join(ROOT, "apps", app, "dist/env.js"));
  const shape = module[schema].shape;
  const own = docComments([join(ROOT, "apps", app, "src/env.ts")]);
  const shared = docComments(tsFiles(SHARED_SOURCE));
  const rows = [];
  const asIntake = [];
  const missing = [];
  for (const [key, field] of Object.entries(shape)) {
    const fallback = defaultOf(field);
    const isShared = !own.has(key) && shared.has(key);
    if (sharedAsIntake && isShared && intakeDefaults.get(key) === fallback) {
      asIntake.push(`\`${key}\``);
      continue;
    }
    const comment = own.get(key) ?? shared.get(key);
    const lead = comment?.lead;
    const row = lead ? rows.find((r) => r.keys.includes(lead)) : undefined;
    if (row) {
      row.keys.push(key);
      row.defaults.push(fallback);
    } else if (comment?.doc) rows.push({ keys: [key], defaults: [fallback], doc: comment.doc });
    else missing.push(key);
  }
  if (missing.length > 0) throw new Error(`${app}: no doc comment for ${missing.join(", ")}`);
  const lines = ["| variable | default | meaning |", "| --- | --- | --- |"];
  if (asIntake.length > 0) lines.push(`| ${asIntake.join(", ")} | as the intake | |`);
  for (const row of rows) {
    lines.push(
      `| ${row.keys.map((k) => `\`${k}\``).join(" / ")} | ${cell(row.defaults.join(" / "))} | ${cell(row.doc)} |`,
    );
  }
  return { lines, defaults: new Map(Object.entries(shape).map(([k, f]) => [k, defaultOf(f)])) };
}

async function render(text) {
  let out = text;
  let intakeDefaults = new Map();
  for (const entry of APPS) {
    const { lines, defaults } = await table(entry, intakeDefaults);
    if (entry.app === "intake") intakeDefaults = defaults;
    const begin = `<!-- config-table:${entry.app} (npm run docs:config writes this) -->`;
    const end = `<!-- /config-table:${entry.app} -->`;
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/configuration.md has no ${begin} … ${end}`);
    out = `${out.slice(0, from + begin.length)}\n${lines.join("\n")}\n${out.slice(to)}`;
  }
  return out;
}

const current = readFileSync(DOC, "utf8");
const next = await render(current);
if (process.argv.includes("--check")) {
  if (next !== current) {
    console.error("docs/configuration.md is not what the env schemas say: run npm run docs:config");
    process.exit(1);
  }
  console.log("docs/configuration.md matches the env schemas");
} else {
  writeFileSync(DOC, next);
  console.log(next === current ? "docs/configuration.md unchanged" : "docs/configuration.md written");
}
