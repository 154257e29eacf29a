// The dashboard in a real headless Chromium (Debian's, driven by playwright-core) against the
// built binary serving a demo database. Screenshots go to the test-artifacts directory.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import {
  chromiumPath, cipette, ensureArtifactsDir, flakyRepository, flakyRunsFile, hostileBranch,
  hostileRepository, hostileWorkflow, injectedMarkup, launchBrowser, makeDemoDatabase, shutDown,
  startServer, tempDir, watchedPage as watch,
} from "./support.mjs";

let dir;
let server;
let context;
let artifacts;

before(async () => {
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install chromium`);
  dir = tempDir("cipette-browser-");
  artifacts = ensureArtifactsDir();
  const db = makeDemoDatabase(dir, 20000);
  cipette(["import", "--db", db, flakyRunsFile(dir)], { cwd: dir });
  server = await startServer(db, { cwd: dir });
  // A fresh profile directory for every run.
  context = await launchBrowser(dir, { width: 1400, height: 1000 });
});

after(async () => {
  const exit = await shutDown(context, server, dir);
  if (server) assert.equal(exit.code, 0, "the server exits cleanly on SIGTERM");
});

const watchedPage = () => watch(context);

async function chartsReady(page) {
  await page.waitForSelector("#charts[data-ready='true']", { timeout: 15000 });
  assert.equal(await page.locator("#charts canvas").count(), 3, "three uPlot charts");
}

async function tableRows(page) {
  return page.$$eval("#workflow-table tbody tr", (rows) =>
    rows.map((row) => Array.from(row.cells, (cell) => cell.textContent.trim())));
}

async function cardValue(page, id) {
  return (await page.locator(`#card-${id} .card-value`).textContent()).trim();
}

test("the dashboard loads with numbers, charts and no console errors", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/`);
  await chartsReady(page);
  assert.match(await cardValue(page, "runs"), /^[\d,]+$/);
  assert.match(await cardValue(page, "success-rate"), /^\d+\.\d\d%$/);
  assert.ok((await tableRows(page)).length > 5);
  await page.screenshot({ path: path.join(artifacts, "dashboard.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("changing the period and the repository updates the table, the charts and the URL", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30`);
  await chartsReady(page);
  const runs30 = await cardValue(page, "runs");
  const rows30 = await tableRows(page);

  let trends = page.waitForResponse((res) => /\/api\/v1\/trends\?period=7(&|$)/.test(res.url()));
  await page.selectOption("#filter-period", "7");
  await page.waitForURL(/[?&]period=7(&|$)/);
  assert.equal((await trends).status(), 200);
  await chartsReady(page);
  assert.notEqual(await cardValue(page, "runs"), runs30, "fewer runs in 7 days than in 30");
  assert.notDeepEqual(await tableRows(page), rows30);

  trends = page.waitForResponse((res) => /\/api\/v1\/trends\?.*repository=acme%2Fapi-gateway/.test(res.url()));
  await page.selectOption("#filter-repository", "acme/api-gateway");
  await page.waitForURL(/repository=acme%2Fapi-gateway/);
  assert.equal((await trends).status(), 200);
  await chartsReady(page);
  assert.match(page.url(), /period=7/, "the period is kept");
  const rows = await tableRows(page);
  assert.ok(rows.length > 0);
  assert.ok(rows.every((cells) => cells[0] === "acme/api-gateway"), "only that repository");
  assert.deepEqual(problems, []);
  await page.close();
});

test("table headers sort the rows", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=90`);
  const runsOf = async () =>
    (await tableRows(page)).map((cells) => Number(cells[2].replace(/,/g, "")));
  await page.click("#workflow-table th:nth-child(3) button");
  const ascending = await runsOf();
  assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
  await page.click("#workflow-table th:nth-child(3) button");
  const descending = await runsOf();
  assert.deepEqual(descending, [...descending].sort((a, b) => b - a));
  assert.deepEqual(problems, []);
  await page.close();
});

// The numbers the flaky rate column sorts by (its cells' data-value; null for none).
async function flakyRates(page) {
  return page.$$eval("#workflow-table tbody tr td:nth-child(5)", (cells) =>
    cells.map((cell) => (cell.dataset.value === "" ? null : Number(cell.dataset.value))));
}

test("the flaky rate column sorts and the re-run badge says what the re-runs cost", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30`);
  const header = page.locator("#workflow-table th:nth-child(5) button");
  assert.equal((await header.textContent()).trim(), "Flaky rate");
  // flaky-org's one workflow: runs 1 and 3 of 4 are flaky (50.00%); 1, 3 and 4 were re-run,
  // losing 2 + (2 + 2) + 2 = 8 minutes.
  const row = page.locator("#workflow-table tbody tr", { hasText: flakyRepository });
  const cell = row.locator("td:nth-child(5)");
  assert.match((await cell.textContent()).trim(), /^↻ 3 50\.00%$/);
  assert.equal(await cell.locator(".rerun-badge").getAttribute("title"),
               "3 runs re-run, 2 flaky, 8m lost");

  await header.click();
  const ascending = await flakyRates(page);
  const known = ascending.filter((rate) => rate !== null);
  assert.ok(known.length > 1);
  assert.deepEqual(known, [...known].sort((a, b) => a - b));
  assert.deepEqual(ascending.slice(0, known.length), known, "rows without a rate sort last");
  await header.click();
  const descending = await flakyRates(page);
  assert.deepEqual(descending.filter((rate) => rate !== null), [...known].sort((a, b) => b - a));
  assert.equal(descending[0], 50, "flaky-org's 50% is the highest");
  assert.equal((await tableRows(page))[0][0], flakyRepository);
  assert.deepEqual(problems, []);
  await page.close();
});

// The links of the attempts of row `row` of the flaky runs table: [text, href].
async function attemptLinks(page, row) {
  return page.$$eval(`#flaky-table tbody tr:nth-child(${row}) .attempts a`, (links) =>
    links.map((a) => [a.textContent.trim(), a.href]));
}

test("the workflow page lists the flaky runs with a link to every attempt", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30&repository=${flakyRepository}`);
  await page.click("#workflow-table tbody tr:first-child td:nth-child(2) a");
  await page.waitForURL(/\/workflow\?/);
  await chartsReady(page);
  const runs = `https://github.com/${flakyRepository}/actions/runs/`;
  // Runs 3 and 1, newest first; 2 passed first time and 4 never passed.
  const numbers = await page.$$eval("#flaky-table tbody tr td:first-child a", (as) =>
    as.map((a) => [a.textContent.trim(), a.href]));
  assert.deepEqual(numbers, [["#3", `${runs}880000003`], ["#1", `${runs}880000001`]]);
  assert.deepEqual(await attemptLinks(page, 1), [
    ["attempt 1 ✗ failed", `${runs}880000003/attempts/1`],
    ["attempt 2 – neutral", `${runs}880000003/attempts/2`],
    ["attempt 3 ✓ success", `${runs}880000003`],
  ]);
  assert.deepEqual(await attemptLinks(page, 2), [
    ["attempt 1 ✗ failed", `${runs}880000001/attempts/1`],
    ["attempt 2 ✓ success", `${runs}880000001`],
  ]);
  const lost = await page.$$eval("#flaky-table tbody tr td:last-child", (cells) =>
    cells.map((cell) => cell.textContent.trim()));
  assert.deepEqual(lost, ["4m 0s", "2m 0s"]);
  // 2 flaky of 4; first attempts: failure, success, failure, failure: 1 of 4 succeeded.
  assert.equal(await cardValue(page, "flaky-rate"), "50.00%");
  assert.equal((await page.locator("#card-success-rate .card-detail").textContent()).trim(),
               "first attempt 25.00%");
  await page.screenshot({ path: path.join(artifacts, "workflow-flaky.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the workflow page opens and lists runs with links to GitHub", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30&repository=acme/api-gateway`);
  await page.click("#workflow-table tbody tr:first-child td:nth-child(2) a");
  await page.waitForURL(/\/workflow\?/);
  await chartsReady(page);
  const links = await page.$$eval("#runs-table tbody tr td:first-child a", (as) =>
    as.map((a) => a.href));
  assert.ok(links.length > 0);
  assert.ok(links.every((href) => href.startsWith("https://github.com/acme/api-gateway/actions/runs/")));
  await page.screenshot({ path: path.join(artifacts, "workflow.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("names that look like markup are shown as text", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=all&repository=${hostileRepository}`);
  const workflowCell = page.locator("#workflow-table tbody tr td:nth-child(2) a");
  assert.equal((await workflowCell.textContent()).trim(), hostileWorkflow);
  await workflowCell.click();
  await page.waitForURL(/\/workflow\?/);
  assert.equal((await page.locator("#workflow-name").textContent()).trim(), hostileWorkflow);
  const branches = await page.$$eval("#runs-table tbody tr td:nth-child(3)", (cells) =>
    cells.map((cell) => cell.textContent));
  assert.ok(branches.length > 0 && branches.every((text) => text === hostileBranch));
  assert.equal(await page.locator("#flaky-empty").count(), 1, "no flaky runs: the empty state");
  assert.deepEqual(await injectedMarkup(page), [0, 0], "no injected <img> or <script>");
  await page.screenshot({ path: path.join(artifacts, "hostile-names.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the layout holds at 375 px wide", async () => {
  const { page, problems } = await watchedPage();
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(`${server.url}/?period=30`);
  await chartsReady(page);
  const overflow = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(overflow.scroll <= overflow.width, `page is ${overflow.scroll}px wide at ${overflow.width}px`);
  await page.screenshot({ path: path.join(artifacts, "dashboard-375px.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("dark mode follows the system preference", async () => {
  const { page, problems } = await watchedPage();
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${server.url}/?period=30`);
  await chartsReady(page);
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = background.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `dark background, got ${background}`);
  await page.screenshot({ path: path.join(artifacts, "dashboard-dark.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("sort headers show a focus ring when reached with the keyboard", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30`);
  const target = "#workflow-table th:nth-child(3) button";
  let focused = false;
  for (let i = 0; i < 60 && !focused; i++) {
    await page.keyboard.press("Tab");
    focused = await page.$eval(target, (button) => document.activeElement === button);
  }
  assert.ok(focused, "Tab reaches the Runs sort button");
  const ring = await page.$eval(target, (button) => {
    const style = getComputedStyle(button);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  assert.equal(ring.style, "solid");
  assert.ok(ring.width >= 2, `outline ${ring.width}px wide`);
  assert.deepEqual(problems, []);
  await page.close();
});

test("arrow keys in a filter select do not reload the page; Enter or leaving applies", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30`);
  let navigations = 0;
  page.on("framenavigated", (frame) => { if (frame === page.mainFrame()) navigations++; });
  await page.focus("#filter-period");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.waitForTimeout(700);
  assert.equal(navigations, 0, "no reload while moving through the options");
  assert.equal(await page.locator("#filter-period").inputValue(), "all");
  await page.keyboard.press("ArrowUp");
  await Promise.all([page.waitForURL(/[?&]period=90(&|$)/), page.keyboard.press("Enter")]);
  assert.equal(navigations, 1);

  // Leaving the select applies the choice too.
  await page.focus("#filter-period");
  await page.keyboard.press("ArrowUp");
  await page.waitForTimeout(300);
  assert.match(page.url(), /period=90/);
  await Promise.all([page.waitForURL(/[?&]period=30(&|$)/), page.keyboard.press("Tab")]);
  // A choice with the mouse (selectOption: no key pressed) applies at once.
  await Promise.all([page.waitForURL(/[?&]period=7(&|$)/),
                     page.selectOption("#filter-period", "7")]);
  assert.deepEqual(problems, []);
  await page.close();
});

test("chart axes: whole run counts, UTC days labelled YYYY-MM-DD in any time zone", async () => {
  // Auckland is 12-13 hours ahead of UTC: local midnights are not UTC midnights.
  const zoned = await launchBrowser(dir, { width: 1400, height: 1000 },
                                    { timezoneId: "Pacific/Auckland" }, "profile-auckland");
  try {
    const page = await zoned.newPage();
    // The flaky repository has 4 runs: at most a few a day, where fractional ticks showed.
    await page.goto(`${server.url}/?period=30&repository=${flakyRepository}`);
    await chartsReady(page);
    const axes = await page.$eval(".chart[data-kind='runs']", (element) => ({
      y: element.dataset.yTicks.split(",").map(Number),
      x: element.dataset.xTicks.split(",").map(Number),
      labels: element.dataset.xLabels.split(","),
    }));
    assert.ok(axes.y.length >= 2);
    assert.ok(axes.y.every(Number.isInteger), `run-count ticks ${axes.y}`);
    assert.ok(axes.x.length >= 2);
    assert.ok(axes.x.every((t) => t % 86400 === 0), `day ticks at UTC midnight: ${axes.x}`);
    assert.deepEqual(axes.labels,
                     axes.x.map((t) => new Date(t * 1000).toISOString().slice(0, 10)));
    assert.ok(axes.labels.every((label) => /^\d{4}-\d\d-\d\d$/.test(label)));
  } finally {
    await zoned.close();
  }
});

// The WCAG 2 contrast ratio of two "rgb(r, g, b)" colours.
function contrastRatio(a, b) {
  const luminance = (css) => {
    const [r, g, bl] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

test("outcome pills have AA contrast and a symbol beside their colour", async () => {
  const { page, problems } = await watchedPage();
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(`${server.url}/?period=30&repository=${flakyRepository}`);
  await page.click("#workflow-table tbody tr:first-child td:nth-child(2) a");
  await page.waitForURL(/\/workflow\?/);
  for (const outcome of ["success", "failed"]) {
    const pill = await page.$eval(`#runs-table .outcome.${outcome}`, (element) => {
      const style = getComputedStyle(element);
      return { color: style.color, background: style.backgroundColor,
               symbol: getComputedStyle(element, "::before").content };
    });
    const ratio = contrastRatio(pill.color, pill.background);
    assert.ok(ratio >= 4.5, `${outcome} pill ${pill.color} on ${pill.background}: ${ratio}`);
    assert.equal(pill.symbol, outcome === "success" ? '"✓ "' : '"✗ "');
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test("without JavaScript the custom range can be chosen and applied", async () => {
  const noScript = await launchBrowser(dir, { width: 1400, height: 1000 },
                                       { javaScriptEnabled: false }, "profile-no-js");
  try {
    const page = await noScript.newPage();
    await page.goto(`${server.url}/?period=30`);
    assert.equal(await page.locator("#filter-from").isEnabled(), true);
    assert.equal(await page.locator("#filter-to").isEnabled(), true);
    // Custom range without dates: a page that names the missing field.
    await page.selectOption("#filter-period", "custom");
    let response = page.waitForResponse((res) => /period=custom/.test(res.url()));
    await page.click("#filters button[type=submit]");
    assert.equal((await response).status(), 400);
    assert.match(await page.locator("#error").textContent(),
                 /period=custom needs from and to \(YYYY-MM-DD/);

    await page.goto(`${server.url}/?period=30`);
    await page.selectOption("#filter-period", "custom");
    await page.fill("#filter-from", "2024-01-01");
    await page.fill("#filter-to", "2024-01-31");
    response = page.waitForResponse((res) => /period=custom/.test(res.url()));
    await page.click("#filters button[type=submit]");
    assert.equal((await response).status(), 200);
    assert.match(page.url(), /period=custom&from=2024-01-01&to=2024-01-31/);
    assert.equal(await page.locator("#filter-from").inputValue(), "2024-01-01");
    assert.equal(await page.locator("#filter-period").inputValue(), "custom");
  } finally {
    await noScript.close();
  }
});

test("an unknown page shows the 404 page", async () => {
  const page = await context.newPage();
  const res = await page.goto(`${server.url}/no/such/page`);
  assert.equal(res.status(), 404);
  assert.match(await page.locator("h1").textContent(), /not found/i);
  await page.close();
});
