// The public site in a real browser, for every theme: a visitor opens the address, clicks around,
// changes the language, reads it on a phone and at 200% zoom, and uses only the keyboard; no page
// reaches another site, sets a cookie or fails an accessibility check. Screenshots go to
// target/browser-artefacts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { accessible, artefacts, fits, launchBrowser, shot, startServer, watch } from "./server.mjs";

const themes = [
  { theme: "recipes", name: "Pantry Notes", section: "recipes" },
  { theme: "weather", name: "Fair Sky Guide", section: "guides" },
  { theme: "flashcards", name: "Word Garden", section: "decks" },
];

for (const { theme, name, section } of themes) {
  describe(`the ${theme} site`, () => {
    let server;
    let browser;
    before(async () => {
      server = await startServer({ QUIETLINE_SITE_THEME: theme });
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test("a visitor opens it and follows every link", async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-CA" });
      const page = await context.newPage();
      const problems = watch(page, server.public);
      const home = await page.goto(server.public + "/");
      assert.equal(home.status(), 200);
      assert.equal(await page.title(), name);
      assert.equal(await page.locator("h1").textContent(), name);
      await shot(page, `site-${theme}-home`);
      await accessible(page, "home");

      // The menu: every entry leads to a page of the site.
      for (const [label, path, heading] of [
        ["About", "/about", "About this site"],
        ["Privacy", "/privacy", "Privacy"],
        ["Home", "/", name],
      ]) {
        await page.getByRole("navigation", { name: "Main menu" }).getByRole("link", { name: label }).click();
        await page.waitForURL(server.public + path);
        assert.equal(await page.locator("h1").textContent(), heading);
        if (path !== "/") {
          await shot(page, `site-${theme}${path.replace("/", "-")}`);
          await accessible(page, path);
        }
      }

      // Every article listed on the home page opens, under its own title.
      const teasers = page.locator(".teasers a");
      const count = await teasers.count();
      assert.equal(count, 3);
      for (let i = 0; i < count; i++) {
        const link = page.locator(".teasers a").nth(i);
        const title = await link.textContent();
        await link.click();
        await page.waitForURL(new RegExp(`/${section}/`));
        assert.equal(await page.locator("h1").textContent(), title);
        assert.ok((await page.locator("article li").count()) >= 3);
        if (i === 0) {
          await shot(page, `site-${theme}-article`);
          await accessible(page, "article");
        }
        await page.goBack();
      }

      // An API path, opened in the browser: the site's own 404.
      const missing = await page.goto(server.public + "/v1/account");
      assert.equal(missing.status(), 404);
      assert.equal(await page.locator("h1").textContent(), "Page not found");
      await shot(page, `site-${theme}-404`);
      await accessible(page, "404");
      await page.getByRole("link", { name: "Go to the home page" }).click();
      await page.waitForURL(server.public + "/");

      assert.deepEqual(await context.cookies(), [], "no cookie");
      // The front page's one script is its search box's (and the web entry it opens); no other
      // page has any.
      assert.equal(await page.locator("script").count(), 1, "the search box's script only");
      await page.goto(server.public + "/about");
      assert.equal(await page.locator("script").count(), 0, "no script elsewhere");
      assert.deepEqual(problems, []);
      await context.close();
    });

    test("the keyboard reaches the content first", async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(server.public + "/");
      await page.keyboard.press("Tab");
      const skip = page.getByRole("link", { name: "Skip to the content" });
      assert.ok(await skip.evaluate((el) => el === document.activeElement));
      const box = await skip.boundingBox();
      assert.ok(box && box.y >= 0 && box.height > 0, "the skip link shows when focused");
      await shot(page, `site-${theme}-keyboard`);
      await page.keyboard.press("Enter");
      await page.waitForURL(/#content$/);
      assert.equal(await page.evaluate(() => document.activeElement?.id), "content");
      await context.close();
    });

    test("it reads in Arabic, right to left, and keeps the language from page to page", async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const problems = watch(page, server.public);
      await page.goto(server.public + "/");
      await page.getByRole("link", { name: "العربية" }).click();
      await page.waitForURL(/\?lang=ar$/);
      assert.equal(await page.getAttribute("html", "dir"), "rtl");
      assert.equal(await page.getAttribute("html", "lang"), "ar");
      await shot(page, `site-${theme}-ar`);
      await accessible(page, "Arabic home");
      await page.locator(".menu a").nth(1).click();
      await page.waitForURL(/\/about\?lang=ar$/);
      assert.equal(await page.getAttribute("html", "dir"), "rtl");
      await page.getByRole("link", { name: "简体中文" }).click();
      await page.waitForURL(/\/about\?lang=zh-Hans$/);
      assert.equal(await page.getAttribute("html", "lang"), "zh-Hans");
      await shot(page, `site-${theme}-zh-about`);
      assert.deepEqual(problems, []);
      await context.close();
    });

    test("it fits a small phone and 200% zoom", async () => {
      const phone = await browser.newContext({
        viewport: { width: 360, height: 740 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        locale: "tl",
      });
      const page = await phone.newPage();
      await page.goto(server.public + `/${section}/` + (await firstSlug(server.public, section)));
      await fits(page, "phone article");
      await shot(page, `site-${theme}-phone`);
      await page.goto(server.public + "/");
      await fits(page, "phone home");
      await phone.close();

      // 1280 CSS pixels at 200% zoom lay out like a 640-pixel-wide window.
      const zoomed = await browser.newContext({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 });
      const zoomedPage = await zoomed.newPage();
      await zoomedPage.goto(server.public + "/");
      await fits(zoomedPage, "200% home");
      await shot(zoomedPage, `site-${theme}-zoom-200`);
      await zoomed.close();
    });
  });
}

/** The first article of a section, read from the sitemap. */
async function firstSlug(origin, section) {
  const sitemap = await (await fetch(origin + "/sitemap.xml")).text();
  const match = sitemap.match(new RegExp(`/${section}/([a-z-]+)<`));
  assert.ok(match, sitemap);
  return match[1];
}
