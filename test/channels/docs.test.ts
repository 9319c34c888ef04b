import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { channelTypes } from "../../src/channels/registry.js";
import { capabilityTable } from "../helpers/channel-docs.js";

/**
 * The channel docs cannot drift from the code: every registered type has its page, and the
 * capability table in docs/channels/README.md is exactly what the adapters declare (on a
 * mismatch the failure prints the table to paste).
 */
const docsDir = new URL("../../docs/channels/", import.meta.url);

describe("channel docs", () => {
  it.each(Object.keys(channelTypes))("docs/channels/%s.md exists", (type) => {
    expect(existsSync(new URL(`${type}.md`, docsDir))).toBe(true);
  });

  it("docs/channels/README.md carries the capability table the adapters declare", () => {
    const readme = readFileSync(new URL("README.md", docsDir), "utf8");
    const table = capabilityTable();
    // Formatters pad tables: compare cells, not spacing.
    const cells = (text: string) => text.replace(/[ \t]*\|[ \t]*/g, "|").replace(/-{3,}/g, "---");
    expect(
      cells(readme).includes(cells(table)),
      `paste this table into docs/channels/README.md:\n\n${table}\n`,
    ).toBe(true);
  });

  // A page's curl example is pasted as written: $TERN and $ADMIN were used on seven pages and
  // defined on none, so the request went out with an empty bearer token.
  it.each(Object.keys(channelTypes))(
    "docs/channels/%s.md defines the variables its curl examples use",
    (type) => {
      const page = readFileSync(new URL(`${type}.md`, docsDir), "utf8");
      for (const block of page.match(/```sh\n[\s\S]*?```/g) ?? []) {
        for (const name of ["TERN", "ADMIN"]) {
          if (new RegExp(`\\$${name}\\b`).test(block))
            expect(block, block).toMatch(new RegExp(`\\b${name}=`));
        }
      }
    },
  );
});
