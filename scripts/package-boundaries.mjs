// node scripts/package-boundaries.mjs (run by npm test): fails when a package's index re-exports a
// module wholesale (`export *`: every helper becomes API, and a name added to a module leaks out
// unseen), or when code imports a workspace package's build output by path (`@tat-bulk/x/dist/…`)
// instead of a name the package exports (its index, or a subpath in its package.json `exports`).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SKIP = new Set(["node_modules", "dist", ".turbo", ".cache", "generated"]);
const DEEP_DIST = /(?:from\s+|import\(\s*)"(@tat-bulk\/[^/"]+\/dist\/[^"]*)"/g;

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path));
    else if (/\.(ts|tsx|mjs|js)$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const problems = [];
for (const group of ["apps", "packages"]) {
  for (const name of readdirSync(join(ROOT, group))) {
    const index = join(ROOT, group, name, "src", "index.ts");
    let text;
    try {
      text = readFileSync(index, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").filter((l) => /^export \* from /.test(l)))
      problems.push(`${relative(ROOT, index)}: ${line} (name what the package offers)`);
  }
}
for (const dir of ["apps", "packages", "tests", "bench", "scripts"]) {
  for (const file of files(join(ROOT, dir))) {
    for (const match of readFileSync(file, "utf8").matchAll(DEEP_DIST))
      problems.push(`${relative(ROOT, file)}: imports ${match[1]} (export it from the package instead)`);
  }
}
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log("package boundaries hold: no export *, no import of a workspace package's dist");
