/**
 * Every relative link in the project's documents resolves: README.md, the docs/ pages, test/README.md and
 * initrd-hooks/README.md. A link to a heading must name one that exists, by GitHub's anchor rule.
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const DOCUMENTS = [
  "README.md",
  "test/README.md",
  "initrd-hooks/README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** GitHub's anchor for a heading: lower case, punctuation but hyphens and spaces dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) inFence = !inFence;
    const m = !inFence && line.match(/^#{1,6} (.*)$/);
    if (m) out.add(anchorOf(m[1]!.replace(/`/g, "")));
  }
  return out;
}

/** The relative links of a document: [text](target), outside code. */
function links(markdown: string): string[] {
  const text = markdown.replace(/```[^]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
}

test("the anchor rule: `## §4 What is verified` is #4-what-is-verified", () => {
  expect(anchorOf("§4 What is verified")).toBe("4-what-is-verified");
  expect(anchorOf("Where the code lives")).toBe("where-the-code-lives");
});

test.each(DOCUMENTS)("every relative link in %s resolves", (doc) => {
  const text = readFileSync(join(ROOT, doc), "utf8");
  const broken: string[] = [];
  for (const link of links(text)) {
    const [path, fragment] = link.split("#") as [string, string | undefined];
    const target = path === "" ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), path);
    if (!existsSync(target)) {
      broken.push(`${link}: no such file`);
      continue;
    }
    if (fragment && target.endsWith(".md") && statSync(target).isFile() && !anchors(readFileSync(target, "utf8")).has(fragment))
      broken.push(`${link}: no heading with that anchor`);
  }
  expect(broken).toEqual([]);
});
