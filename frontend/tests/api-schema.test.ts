import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "..");

describe("generated API types", () => {
  it("given openapi.json, when the types are generated again, then they equal the committed src/api/schema.gen.ts", () => {
    const dir = mkdtempSync(join(tmpdir(), "schema-"));
    try {
      const out = join(dir, "schema.gen.ts");
      execFileSync(
        process.execPath,
        [join(root, "node_modules/openapi-typescript/bin/cli.js"), join(root, "../openapi.json"), "-o", out],
        { cwd: root, stdio: "pipe" },
      );
      const committed = readFileSync(join(root, "src/api/schema.gen.ts"), "utf8");
      // When this fails: run `npm run gen:api` and commit src/api/schema.gen.ts.
      expect(readFileSync(out, "utf8")).toBe(committed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
