// Fails when the JavaScript the first page loads is over budget (gzipped). The first page loads the
// scripts and module preloads that dist/index.html names, and what those import statically; lazy
// chunks (the admin console) are not counted.
import { readFileSync, existsSync } from "node:fs";
import { join, dirname, posix } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const BUDGET_BYTES = Number(process.env.FIRST_PAGE_JS_BUDGET ?? 150 * 1024);
const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const indexPath = join(dist, "index.html");
if (!existsSync(indexPath)) {
  console.error("dist/index.html is missing: run `npm run build` first");
  process.exit(2);
}
const html = readFileSync(indexPath, "utf8");
const entries = [
  ...html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"/g),
  ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g),
].map((m) => m[1]);

// Static imports of each chunk (`import ... from "./x.js"` / `import "./x.js"`), not dynamic import().
const seen = new Set();
const queue = entries.map((src) => posix.normalize(src.replace(/^\//, "")));
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  const code = readFileSync(join(dist, file), "utf8");
  for (const m of code.matchAll(/(?:^|[;\s}])import\s*(?:[^"'();]*?from\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g)) {
    queue.push(posix.normalize(posix.join(posix.dirname(file), m[1])));
  }
}

let total = 0;
for (const file of seen) {
  const size = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`${(size / 1024).toFixed(1).padStart(8)} KB  ${file}`);
}
const verdict = total <= BUDGET_BYTES ? "within" : "OVER";
console.log(`${(total / 1024).toFixed(1).padStart(8)} KB  first-page JavaScript, gzipped (${verdict} the budget of ${(BUDGET_BYTES / 1024).toFixed(0)} KB)`);
if (entries.length === 0) {
  console.error("no script found in dist/index.html");
  process.exit(2);
}
process.exit(total <= BUDGET_BYTES ? 0 : 1);
