// The web entry's proof of work, as Chromium runs it: its SHA-256 gives what Node's gives, and the
// counter it finds has the leading zero bits the server asks for (the server checks the same way,
// with Rust's sha2). The page's HPKE is checked against the Rust implementation end to end by the
// Rust tests (`tests/tests/web_entry_browser.rs`).
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { launchBrowser } from "./server.mjs";

const source = readFileSync(join(resolve(import.meta.dirname, "../.."), "server/src/face/assets/entry.js"), "utf8");
// The hashing and the search for a counter, as the page has them.
const work = source.slice(source.indexOf("  const K = Uint32Array.from"), source.indexOf("  // ---- The unlocked page."));

let browser;
let server;
let page;

before(async () => {
  server = createServer((_, answer) => answer.end("<!doctype html><title>work</title>")).listen(0, "127.0.0.1");
  await new Promise((resolvePromise) => server.on("listening", resolvePromise));
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.evaluate((work) => {
    const wait = (ms) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
    const entry = {};
    eval(`${work}; globalThis.words = sha256Words; globalThis.padded = padded; globalThis.solve = solve;`);
    void wait;
    void entry;
  }, work);
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("the page's SHA-256 is SHA-256", async () => {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 200]) {
    const message = randomBytes(length);
    const digest = await page.evaluate((bytes) => {
      const { data, view, blocks } = globalThis.padded(bytes.length);
      data.set(bytes);
      const h = new Uint32Array(8);
      globalThis.words(view, blocks, h, new Uint32Array(64));
      return Array.from(h, (word) => (word >>> 0).toString(16).padStart(8, "0")).join("");
    }, Array.from(message));
    assert.equal(digest, createHash("sha256").update(message).digest("hex"), `${length} bytes`);
  }
});

test("the counter it finds has the leading zero bits asked for", async () => {
  const challenge = randomBytes(57);
  for (const bits of [0, 8, 14]) {
    const counter = await page.evaluate(([bytes, bits]) => globalThis.solve(Uint8Array.from(bytes), bits), [Array.from(challenge), bits]);
    const input = Buffer.alloc(65);
    challenge.copy(input);
    input.writeBigUInt64LE(BigInt(counter), 57);
    const digest = createHash("sha256").update(input).digest();
    const zeros = digest.readUInt32BE(0) === 0 ? 32 : Math.clz32(digest.readUInt32BE(0));
    assert.ok(zeros >= bits, `${bits} bits: counter ${counter} gives ${zeros}`);
    if (counter > 0) {
      // The smallest such counter: the one before does not do.
      input.writeBigUInt64LE(BigInt(counter - 1), 57);
      const before = createHash("sha256").update(input).digest().readUInt32BE(0);
      assert.ok((before === 0 ? 32 : Math.clz32(before)) < bits, `${bits} bits: ${counter - 1} would have done`);
    }
  }
});
