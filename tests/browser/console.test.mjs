// The administrators' console in Debian's Chromium, as a coordinator meets it: set the server up,
// enrol a second factor from its QR code's key, add an organisation, write a card and its French
// translation, have a second administrator approve it and find it in the bundle a worker is
// served; check an import with a bad row, make an entry point and download its QR code, invite a
// worker, and find each step in the audit log. A form posted without its token is refused, and the
// card editor is used with the keyboard alone.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { accessible, artefacts, fits, launchBrowser, shot, startServer, watch } from "./server.mjs";

/** RFC 6238: the six-digit code of a base32 secret, for the 30-second step `offset` steps on. */
function totp(secret, offset = 0) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offset));
  const mac = createHmac("sha1", key).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

/** Waits for the message saying a form was taken; fails with the page's problems otherwise. */
async function saved(page, message) {
  await page.waitForLoadState();
  const problems = await page.locator(".problem-summary, p.problem").allTextContents();
  assert.deepEqual(problems, [], `${message}`);
  await page.getByText(message).waitFor();
}

const PASSPHRASE = "correct horse battery staple";
const SECOND_PASSPHRASE = "another long passphrase here";

/** Enrols the signed-in administrator's second factor on the enrolment page; returns its key. */
async function enrol(page, passphrase) {
  await page.getByLabel("Passphrase").fill(passphrase);
  await page.getByRole("button", { name: "Begin" }).click();
  const secret = (await page.locator("#totp-secret").textContent()).trim();
  assert.match(secret, /^[A-Z2-7]+=*$/);
  const qr = await page.locator("img.qr").getAttribute("src");
  assert.match(qr, /^data:image\/svg\+xml;base64,/);
  await shot(page, "console-enrol");
  await page.getByLabel("Code from your authenticator app").fill(totp(secret));
  await page.getByRole("button", { name: "Confirm" }).click();
  assert.equal(await page.locator("#recovery-codes li").count(), 10);
  await page.getByRole("link", { name: "Continue to the console" }).click();
  return secret;
}

describe("the administrators' console", () => {
  let server;
  let browser;
  let context;
  let page;
  let problems;
  let organisation;
  let cardPath;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    context = await browser.newContext({ locale: "en-CA", acceptDownloads: true });
    page = await context.newPage();
    problems = watch(page, server.admin);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("sets the server up and enrols a second factor from the QR code's key", async () => {
    const token = server.log().match(/\n {4}(\S+)\n=+/)[1];
    await page.goto(`${server.admin}/`);
    assert.match(page.url(), /\/console\/sign-in$/);
    await page.getByRole("link", { name: /Set it up/ }).click();
    await page.getByLabel("Setup token").fill(token);
    await page.getByLabel("Handle").fill("coordinator");
    await page.getByLabel("New passphrase").fill(PASSPHRASE);
    await page.getByRole("button", { name: "Create the administrator" }).click();
    const secret = await enrol(page, PASSPHRASE);
    await page.getByLabel("Name").fill("Harbour House");
    await page.getByRole("button", { name: "Add the organisation" }).click();
    await page.getByText("The organisation was created.").waitFor();
    organisation = page.url().match(/\/console\/o\/([^/?]+)/)[1];
    // Signing out and in again asks for the code.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You are signed out.").waitFor();
    await page.getByLabel("Handle").fill("coordinator");
    await page.getByLabel("Passphrase").fill(PASSPHRASE);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Enter the code from your authenticator app.").waitFor();
    await page.getByLabel("Passphrase").fill(PASSPHRASE);
    await page.getByLabel("Code from your authenticator app").fill(totp(secret, 1));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Organisations" }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === "quietline_console");
    assert.ok(cookie.httpOnly, "HttpOnly");
    assert.equal(cookie.sameSite, "Strict");
    assert.equal(cookie.path, "/console");
    await accessible(page, "organisations");
  });

  test("refuses a form posted without its token", async () => {
    const response = await page.request.post(`${server.admin}/console/organisations`, {
      form: { name: "Forged", default_language: "en" },
      maxRedirects: 0,
    });
    assert.equal(response.status(), 403);
    const forged = await page.request.post(`${server.admin}/console/organisations`, {
      form: { name: "Forged", default_language: "en", csrf: "not-the-token" },
      maxRedirects: 0,
    });
    assert.equal(forged.status(), 403);
    await page.goto(`${server.admin}/console/`);
    assert.equal(await page.getByText("Forged").count(), 0);
  });

  test("writes a card and its translation, every field reachable by keyboard", async () => {
    await page.goto(`${server.admin}/console/o/${organisation}/settings`);
    await page.getByLabel(/second administrator approves/).check();
    await page.locator("section", { has: page.getByRole("heading", { name: "Publishing cards" }) }).getByRole("button", { name: "Save" }).click();
    await page.getByText("The settings were saved.").waitFor();
    await page.goto(`${server.admin}/console/o/${organisation}/cards/new`);
    // A card with problems is shown again with each next to its field.
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("heading", { name: /The card was not saved/ }).waitFor();
    assert.ok((await page.locator(".has-problem").count()) >= 2);
    await page.locator("#card-title").fill("Harbour House shelter");
    await page.locator("#card-summary").fill("Safe beds for women and children, any status.");
    await page.locator("#card-body").fill("Call **any time**. We speak English and Tagalog.");
    await page.locator("#card-risk_disclosure").fill("The address is shared only by phone.");
    await page.getByLabel("Regions").fill("CA-ON");
    await page.getByLabel("Category").selectOption("shelter");
    await page.getByLabel("Phone numbers").fill("+1 416 555 0100");
    await page.getByLabel("Where the details come from").fill("https://example.org/contact");
    await page.getByLabel("Tells the police").selectOption("with_consent");
    await page.getByLabel("Identity document").check();
    await page.getByLabel("Contact person (workers only)").fill("Dana at the front desk");
    await page.getByRole("button", { name: "Save draft" }).click();
    await saved(page, "The card was saved as a draft.");
    cardPath = new URL(page.url()).pathname;
    const translation = page.locator("#translation-form");
    await translation.locator("#translation-locale").fill("fr");
    await translation.locator("#card-t_title").fill("Refuge Harbour House");
    await translation.locator("#card-t_summary").fill("Des lits sûrs pour les femmes et les enfants, tout statut.");
    await translation.locator("#card-t_body").fill("Appelez **à toute heure**.");
    await translation.locator("#card-t_risk_disclosure").fill("L'adresse n'est donnée que par téléphone.");
    await page.getByRole("button", { name: "Save translation" }).click();
    await page.getByText("The translation was saved.").waitFor();
    assert.equal(await page.locator("#card-t_title").inputValue(), "Refuge Harbour House");
    await shot(page, "console-card-editor");
    await accessible(page, "card editor");
    // On a tablet the two columns become one, and nothing scrolls sideways.
    await page.setViewportSize({ width: 768, height: 1024 });
    await fits(page, "card editor on a tablet");
    await shot(page, "console-card-editor-tablet");
    await page.setViewportSize({ width: 1280, height: 720 });

    // Keyboard only: Tab reaches every control of both forms, in order, and nothing traps it.
    const controls = await page.evaluate(() =>
      [...document.querySelectorAll("#card-form, #translation-form")]
        .flatMap((form) => [...form.elements])
        .filter((e) => e.type !== "hidden")
        .map((e) => e.id),
    );
    assert.ok(controls.length > 35, `${controls.length} controls`);
    await page.locator("body").focus();
    const reached = new Set();
    for (let i = 0; i < 200 && reached.size < controls.length; i++) {
      await page.keyboard.press("Tab");
      const id = await page.evaluate(() => document.activeElement?.id ?? "");
      if (controls.includes(id)) reached.add(id);
    }
    assert.deepEqual(controls.filter((id) => !reached.has(id)), []);
    // And a field changed by keyboard alone is saved.
    await page.locator("#card-title").focus();
    await page.keyboard.press("End");
    await page.keyboard.type(" (Toronto)");
    await page.locator("#save-card").focus();
    await page.keyboard.press("Enter");
    await page.getByText("The card was saved as a draft.").waitFor();
    assert.equal(await page.locator("#card-title").inputValue(), "Harbour House shelter (Toronto)");
    // The history compares the first version with the card as it is now, field by field.
    await page.getByRole("link", { name: "History" }).click();
    await page.getByRole("link", { name: "Compare version 1 with now" }).click();
    const title = page.locator("#differences tr", { has: page.getByRole("rowheader", { name: "Title (en)" }) });
    assert.equal((await title.locator("del").textContent()).trim(), "Harbour House shelter");
    assert.equal((await title.locator("ins").textContent()).trim(), "Harbour House shelter (Toronto)");
    assert.equal(await page.locator("#differences").getByRole("rowheader", { name: "Title (fr)" }).count(), 1);
    await accessible(page, "history");
    await page.goto(`${server.admin}${cardPath}`);
    await page.getByRole("button", { name: "Send for review" }).click();
    await page.getByText("The card was sent for review.").waitFor();
    // Whoever sent it for review cannot approve it too.
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Another administrator must approve what you submitted.").waitFor();
  });

  test("a second administrator approves the card, and a worker is served it", async () => {
    await page.goto(`${server.admin}/console/o/${organisation}/people`);
    await page.getByLabel("Role").selectOption("admin");
    await page.getByRole("button", { name: "Make an invite" }).click();
    const adminCode = (await page.locator("#invite-code").textContent()).trim();
    const accepted = await fetch(`${server.admin}/admin/v1/invites/accept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: adminCode, handle: "second", passphrase: SECOND_PASSPHRASE, device_name: "laptop" }),
    });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    const other = await browser.newContext({ locale: "en-CA" });
    const second = await other.newPage();
    await second.goto(`${server.admin}/console/sign-in`);
    await second.getByLabel("Handle").fill("second");
    await second.getByLabel("Passphrase").fill(SECOND_PASSPHRASE);
    await second.getByRole("button", { name: "Sign in" }).click();
    await enrol(second, SECOND_PASSPHRASE);
    await second.goto(`${server.admin}${cardPath}`);
    await second.getByRole("button", { name: "Approve" }).click();
    await second.getByText("The card is published.").waitFor();
    await other.close();

    // Invite a worker; the worker's bundle has the card, without its workers-only details.
    await page.goto(`${server.admin}/console/o/${organisation}/people`);
    await page.getByLabel("Role").selectOption("worker");
    await page.getByRole("button", { name: "Make an invite" }).click();
    const workerCode = (await page.locator("#invite-code").textContent()).trim();
    await shot(page, "console-invite");
    await accessible(page, "people");
    assert.match(await page.locator("section.created img.qr").getAttribute("src"), /^data:image\/svg/);
    const worker = await fetch(`${server.public}/v1/invites/accept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: workerCode, handle: "rosa", passphrase: SECOND_PASSPHRASE, languages: ["tl", "en"], device_name: "phone" }),
    });
    assert.equal(worker.status, 200, await worker.clone().text());
    const token = (await worker.json()).session.access_token;
    const bundle = await fetch(`${server.public}/v1/organisations/${organisation}/cards/bundle?locales=fr`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(bundle.status, 200);
    const text = await bundle.text();
    assert.match(text, /Refuge Harbour House/);
    assert.doesNotMatch(text, /Dana at the front desk/);
  });

  test("checks an import with one bad row and shows the dry run as a table", async () => {
    await page.goto(`${server.admin}/console/o/${organisation}/cards/import`);
    const csv = [
      "card,locale,source_locale,category,regions,cost,title,summary,risk_disclosure,referral",
      "legal,en,en,legal_aid,CA-ON,free,Legal clinic,Free advice on work permits.,Appointments only.,worker_may_refer",
      "food,en,en,community,CA-ON,sometimes,Food bank,Groceries every week.,Bring a bag.,self_referral_only",
    ].join("\n");
    await page.getByLabel("File").setInputFiles({ name: "cards.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.waitForFunction(() => document.getElementById("import-content").value.includes("Food bank"));
    await page.getByRole("button", { name: "Check (dry run)" }).click();
    const rows = page.locator("#import-problems tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.equal((await rows.first().locator("td").nth(0).textContent()).trim(), "2");
    assert.equal((await rows.first().locator("td").nth(1).textContent()).trim(), "cost");
    await shot(page, "console-import-dry-run");
    await accessible(page, "import");
    await page.goto(`${server.admin}/console/o/${organisation}/cards`);
    assert.equal(await page.getByText("Legal clinic").count(), 0, "nothing was imported");
  });

  test("creates an entry point and downloads its QR code", async () => {
    await page.goto(`${server.admin}/console/o/${organisation}/entry-points`);
    await page.getByLabel("Label").fill("Clinic flyers");
    await page.getByLabel("Disguise").selectOption("weather");
    await page.getByRole("button", { name: "Create the entry point" }).click();
    const link = (await page.locator("#created-link").textContent()).trim();
    assert.ok(link.startsWith(server.public), link);
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#created-qr-png").click()]);
    const path = join(artefacts, "console-entry-point-qr.png");
    await download.saveAs(path);
    const png = readFileSync(path);
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    await shot(page, "console-entry-point");
    await accessible(page, "entry points");

    // Its disguise shows the organisation's own weather tips once written.
    await page.getByRole("link", { name: "Write what its disguise shows" }).click();
    await page.getByText("This language shows the built-in content").waitFor();
    await page.locator("#item-0-title").fill("Layers for a cold harbour wind");
    await page.locator("#item-0-text").fill("Wear a hat and two thin layers rather than one thick one.");
    await page.getByRole("button", { name: "Save this language's content" }).click();
    await saved(page, "The content was saved.");
    await page.getByText("This language shows your organisation's own content.").waitFor();
    await shot(page, "console-decoys");
    await accessible(page, "disguise content");
    const slug = link.split("#")[1];
    const decoy = await fetch(`${server.public}/v1/decoys/${slug}`, { headers: { "accept-language": "en" } });
    assert.equal(decoy.status, 200);
    assert.match(await decoy.text(), /Layers for a cold harbour wind/);
  });

  test("shows each step in the audit log, and the dashboard", async () => {
    await page.goto(`${server.admin}/console/o/${organisation}/audit`);
    const actions = await page.locator("#audit-entries td[data-action]").evaluateAll((cells) => cells.map((c) => c.dataset.action));
    for (const action of ["card.create", "card.translate", "card.submit", "card.publish", "invite.create", "entry_point.create", "entry_point.decoy_set", "cards.settings_set"]) {
      assert.ok(actions.includes(action), `${action} in ${actions}`);
    }
    const body = await page.locator("main").textContent();
    assert.doesNotMatch(body, /Harbour House shelter|Dana|Clinic flyers/, "no content in the log");
    await shot(page, "console-audit-log");
    await accessible(page, "audit log");
    await page.getByLabel("What").selectOption("card.");
    await page.getByRole("button", { name: "Filter" }).click();
    const filtered = await page.locator("#audit-entries td[data-action]").evaluateAll((cells) => cells.map((c) => c.dataset.action));
    assert.ok(filtered.length > 0 && filtered.every((a) => a.startsWith("card.")), `${filtered}`);
    await page.goto(`${server.admin}/console/o/${organisation}`);
    await page.getByRole("heading", { name: "Harbour House" }).waitFor();
    await shot(page, "console-dashboard-new-organisation");
    await accessible(page, "dashboard");
    // Only the answers the steps above asked for: a wrong sign-in, a card with problems, an
    // approval refused, an import with a bad row.
    const unexpected = problems.filter((p) => !/status of (401|409|422) /.test(p));
    assert.deepEqual(unexpected, []);
  });

  test("speaks French to a French browser", async () => {
    const french = await browser.newContext({ locale: "fr-CA" });
    const visitor = await french.newPage();
    await visitor.goto(`${server.admin}/console/sign-in`);
    await visitor.getByRole("heading", { name: "Connexion" }).waitFor();
    assert.equal(await visitor.locator("html").getAttribute("lang"), "fr");
    await french.close();
  });
});
