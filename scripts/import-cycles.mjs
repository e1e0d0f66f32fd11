// node scripts/import-cycles.mjs (run by npm test): fails when modules of one app or package import
// each other, directly or around a loop, type-only imports included. A cycle hides an order of
// initialisation and makes a change in one module a change in all; shared types belong in a
// module both import.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g;

function sources(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sources(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) files.push(path);
  }
  return files;
}

/** The module an import names, as a source file (`./x.js` is `./x.ts` in the source). */
function target(from, specifier) {
  const base = resolve(dirname(from), specifier.replace(/\.js$/, ""));
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // The next candidate.
    }
  }
  return undefined;
}

function cyclesOf(files) {
  const edges = new Map(files.map((f) => [f, []]));
  for (const file of files) {
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const to = match[1] && target(file, match[1]);
      if (to && edges.has(to)) edges.get(file).push(to);
    }
  }
  const cycles = [];
  const state = new Map();
  const stack = [];
  const visit = (file) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

const found = [];
for (const group of ["apps", "packages"]) {
  for (const name of readdirSync(join(ROOT, group))) {
    const src = join(ROOT, group, name, "src");
    try {
      if (!statSync(src).isDirectory()) continue;
    } catch {
      continue;
    }
    found.push(...cyclesOf(sources(src)));
  }
}
if (found.length > 0) {
  for (const cycle of found)
    console.error(`import cycle: ${cycle.map((f) => relative(ROOT, f)).join(" -> ")}`);
  process.exit(1);
}
console.log("no import cycles");
