// Starts the real server binary on free ports with a fresh data directory, and the system's
// Chromium; both are stopped by the returned `stop`. Also what every page test checks: no
// request elsewhere, accessibility, fitting the window, and screenshots.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
export const binary = process.env.QUIETLINE_BIN ?? join(root, "target/debug/quietline");
export const artefacts = process.env.QUIETLINE_ARTEFACTS ?? join(root, "target/browser-artefacts");
mkdirSync(artefacts, { recursive: true });

/** Runs the server with `env` added; resolves once it says where it listens. */
export function startServer(env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "quietline-browser-"));
  const child = spawn(binary, [], {
    env: {
      ...process.env,
      QUIETLINE_DATA_DIR: dataDir,
      QUIETLINE_PUBLIC_LISTEN: "127.0.0.1:0",
      QUIETLINE_ADMIN_LISTEN: "127.0.0.1:0",
      QUIETLINE_WORKERS: "1",
      QUIETLINE_LOG: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolvePromise, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/quietline is serving public=(\S+) admin=(\S+)/);
      if (match) {
        resolvePromise({
          public: `http://${match[1]}`,
          admin: `http://${match[2]}`,
          log: () => output,
          stop: () =>
            new Promise((done) => {
              child.once("exit", () => {
                rmSync(dataDir, { recursive: true, force: true });
                done();
              });
              child.kill("SIGTERM");
            }),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the server exited (${code}):\n${output}`)));
  });
}

/** Debian's Chromium, headless, with nothing of its own reaching the network. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/**
 * Watches a page: every request it makes must stay on `origin`, and nothing may go wrong in its
 * console. Returns the list of problems seen.
 */
export function watch(page, origin) {
  const problems = [];
  page.on("request", (request) => {
    if (!request.url().startsWith(origin)) problems.push(`request elsewhere: ${request.url()}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      // The 404 pages are expected to log their status; anything else is a problem.
      if (!/status of 404/.test(message.text())) problems.push(`console: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe-core's WCAG 2.1 AA rules on the page; fails with every violation found. */
export async function accessible(page, what) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(violations, [], `${what}: accessibility`);
}

/** A full-page screenshot, kept with the test artefacts. */
export async function shot(page, name) {
  await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });
}

/** The page fits its viewport: nothing to scroll sideways. */
export async function fits(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= width, `${what}: ${scroll}px wide in a ${width}px window`);
}
