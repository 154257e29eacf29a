// Jobs in a real headless Chromium: the runners view, the queue-time card, the workflow page's
// job table and the run page's timeline, served by the built binary from a database made by
// `cipette import` of runs and a jobs page (support.mjs: flakyRunsFile, flakyJobsFile, whose
// comments give the times every expected number below is worked out from).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import {
  chromiumPath, cipette, ensureArtifactsDir, flakyJobsFile, flakyRepository, flakyRunsFile,
  hostileRunner, hostileRunnerGroup, hostileRunsFile, hostileStep, injectedMarkup, launchBrowser,
  shutDown, startServer, stopServer, tempDir, watchedPage as watch,
} from "./support.mjs";

const firstRun = 880000001;

let dir;
let db;
let server;
let context;
let artifacts;

before(async () => {
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install chromium`);
  dir = tempDir("cipette-jobs-");
  artifacts = ensureArtifactsDir();
  db = path.join(dir, "jobs.db");
  const now = Date.now();
  cipette(["import", "--db", db, flakyRunsFile(dir, now, firstRun), hostileRunsFile(dir, now)],
          { cwd: dir });
  cipette(["import", "--db", db, flakyJobsFile(dir, now, firstRun)], { cwd: dir });
  // No rates: the runners view as it is without CIPETTE_RUNNER_RATES, whatever the caller's.
  server = await startServer(db, { cwd: dir, env: { CIPETTE_RUNNER_RATES: "" } });
  context = await launchBrowser(dir, { width: 1300, height: 900 });
});

after(async () => {
  const exit = await shutDown(context, server, dir);
  if (server) assert.equal(exit.code, 0, "the server exits cleanly on SIGTERM");
});

const watchedPage = () => watch(context);

// The cells' text of the rows of table `selector`; label chips joined by ", ".
async function rows(page, selector) {
  return page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => Array.from(tr.cells, (cell) => {
    const chips = cell.querySelectorAll(".chip");
    if (chips.length > 0) return Array.from(chips, (chip) => chip.textContent).join(", ");
    return cell.textContent.trim().replace(/\s+/g, " ");
  })));
}

async function noInjectedMarkup(page) {
  assert.deepEqual(await injectedMarkup(page), [0, 0], "no injected <img> or <script>");
}

test("the dashboard's queue-time card pools every job and links to the runners view", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30&repository=${flakyRepository}`);
  // 16 jobs: build's queues 10, 10, 20, 30, 30, 30, 40, 40 and test's 8 x 100 s: p50 rank 8 is
  // 40 s, p95 rank 16 is 100 s.
  assert.equal((await page.locator("#card-queue-time .card-value").textContent()).trim(), "40s");
  assert.equal((await page.locator("#card-queue-time .card-detail").textContent()).trim(),
               "p95 1m 40s · 16 jobs");
  await page.click("#nav-runners");
  await page.waitForURL(/\/runners\?/);
  assert.match(page.url(), /period=30/, "the period is kept");
  assert.match(page.url(), /repository=flaky-org%2Fflaky-repo/, "the repository is kept");
  assert.equal(await page.locator("#nav-runners").getAttribute("aria-current"), "page");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the runners view loads with numbers, a queue-time chart and no console errors", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/runners?period=30&repository=${flakyRepository}`);
  await page.waitForSelector("#queue-charts[data-ready='true']", { timeout: 15000 });
  assert.equal(await page.locator("#queue-charts canvas").count(), 1, "one uPlot chart");
  // [self-hosted, linux] sorts as [linux, self-hosted], before [ubuntu-latest]. 8 jobs each;
  // test: queue 100 s, 120 s each (billable 8 x 2); build: queue p50 rank 4 of 10, 10, 20, 30,
  // 30, 30, 40, 40 = 30 s, p95 rank 8 = 40 s, 60 s each (billable 8 x 1).
  assert.deepEqual(await rows(page, "#runner-table"), [
    ["linux, self-hosted", hostileRunnerGroup, "8", "1m 40s", "1m 40s", "2m 0s", "2m 0s", "≈ 16"],
    ["ubuntu-latest", "GitHub Actions", "8", "30s", "40s", "1m 0s", "1m 0s", "≈ 8"],
  ]);
  assert.match(await page.locator("#billable-note").textContent(), /estimate/);
  assert.equal(await page.locator("#cost-note").count(), 0, "no cost without rates");
  // Sorting by queue p50 puts ubuntu-latest first.
  await page.click("#runner-table th:nth-child(4) button");
  assert.equal((await rows(page, "#runner-table"))[0][0], "ubuntu-latest");
  await noInjectedMarkup(page);
  await page.screenshot({ path: path.join(artifacts, "runners.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("with CIPETTE_RUNNER_RATES the runners view shows each row's estimated cost", async () => {
  // A second server on the same database, with rates. [linux, self-hosted] takes linux's rate
  // (the first configured label it has): 16 billable minutes x 0.002 = 0.032; ubuntu-latest
  // 8 x 0.001 = 0.008.
  const priced = await startServer(db, {
    cwd: dir, env: { CIPETTE_RUNNER_RATES: "ubuntu-latest=0.001,linux=0.002" },
  });
  try {
    const { page, problems } = await watchedPage();
    await page.goto(`${priced.url}/runners?period=30&repository=${flakyRepository}`);
    assert.equal((await page.locator("#runner-table th:nth-child(9)").textContent()).trim(),
                 "Est. cost");
    assert.deepEqual((await rows(page, "#runner-table")).map((row) => row.slice(7)), [
      ["≈ 16", "≈ 0.032 at 0.002/min (linux)"],
      ["≈ 8", "≈ 0.008 at 0.001/min (ubuntu-latest)"],
    ]);
    assert.match(await page.locator("#cost-note").textContent(), /estimate/);
    // Sorting by the cost puts the cheaper ubuntu-latest first.
    await page.click("#runner-table th:nth-child(9) button");
    assert.equal((await rows(page, "#runner-table"))[0][0], "ubuntu-latest");
    await noInjectedMarkup(page);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    const exit = await stopServer(priced);
    assert.equal(exit.code, 0, "the second server exits cleanly on SIGTERM");
  }
});

test("the workflow page's job table shows each job group, its legs and slowest steps", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30&repository=${flakyRepository}`);
  await page.click("#workflow-table tbody tr:first-child td:nth-child(2) a");
  await page.waitForURL(/\/workflow\?/);
  // build: 8 successes. test: run 1 failure, success; 2 success; 3 failure, cancelled, success;
  // 4 failure, failure: 3 success, 4 failed, 1 neutral: 3 / 7 = 42.86%; flaky in runs 1 and 3.
  assert.deepEqual(await rows(page, "#job-table"), [
    ["build", "8", "100.00%", "1m 0s", "1m 0s", "30s", "40s", "0"],
    ["test 1 leg", "8", "42.86%", "2m 0s", "2m 0s", "1m 40s", "1m 40s", "2"],
  ]);
  // The link opens the group's details: its leg and slowest steps (the hostile step's 50 s
  // first, as text), read from the jobs of the 4 runs: 8 build executions (2 + 1 + 3 + 2).
  await page.click("#job-table a[href='#job-group-1']");
  assert.equal(await page.locator("#job-group-1").getAttribute("open"), "");
  assert.deepEqual(await rows(page, "#job-group-1 .steps-table"), [
    [hostileStep, "8", "50s", "50s"],
    ["Checkout", "8", "5s", "5s"],
  ]);
  await page.locator("#job-group-2 summary").click();
  assert.deepEqual((await rows(page, "#job-group-2 .legs-table")).map((r) => r[0]),
                   ["test (ubuntu, 3.12)"]);
  assert.match(await page.locator("#steps-note").textContent(), /newest 4 completed runs/);
  await noInjectedMarkup(page);
  await page.screenshot({ path: path.join(artifacts, "workflow-jobs.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the run page shows each attempt's jobs as a timeline linked to GitHub", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/?period=30&repository=${flakyRepository}`);
  await page.click("#workflow-table tbody tr:first-child td:nth-child(2) a");
  await page.waitForURL(/\/workflow\?/);
  // Run #1 is the oldest: the last row of the runs table.
  await page.click("#runs-table tbody tr:last-child a.run-page-link");
  await page.waitForURL(/\/run\?id=880000001&/);
  const runs = `https://github.com/${flakyRepository}/actions/runs/${firstRun}`;
  // Newest attempt first, each linked to GitHub.
  const attempts = await page.$$eval(".attempt-block", (blocks) => blocks.map((b) => b.id));
  assert.deepEqual(attempts, ["attempt-2", "attempt-1"]);
  assert.equal(await page.locator("#attempt-1 a.attempt-link").getAttribute("href"),
               `${runs}/attempts/1`);
  assert.equal(await page.locator("#attempt-2 a.attempt-link").getAttribute("href"), runs);
  // Attempt 2 spans 220 s (test: 100 s queued, 120 s running). build: queued 10/220 = 4.55%,
  // then running 60/220 = 27.27%; test: queued 45.45%, then running 54.55%.
  const bars = await page.$$eval("#attempt-2 svg.bar", (svgs) => svgs.map((svg) =>
    Array.from(svg.querySelectorAll("rect:not(.track)"), (r) =>
      [r.getAttribute("class"), r.getAttribute("x"), r.getAttribute("width")])));
  assert.deepEqual(bars, [
    [["queued", "0.00%", "4.55%"], ["running success", "4.55%", "27.27%"]],
    [["queued", "0.00%", "45.45%"], ["running success", "45.45%", "54.55%"]],
  ]);
  const jobs = await page.$$eval("#attempt-1 .timeline-job", (items) => items.map((li) => [
    li.querySelector(".job-state").textContent.trim(),
    li.querySelector("a.job-name").textContent.trim(),
    li.querySelector("a.job-name").getAttribute("href"),
    li.querySelector(".job-timing").textContent.trim(),
  ]));
  assert.equal(jobs.length, 2);
  assert.deepEqual(jobs.map((j) => [j[0], j[1], j[3]]), [
    ["✓ success", "build", "queued 10s · ran 1m 0s"],
    ["✗ failure", "test (ubuntu, 3.12)", "queued 1m 40s · ran 2m 0s"],
  ]);
  assert.ok(jobs.every((j) => j[2].startsWith(`${runs}/job/`)));
  assert.equal((await page.locator("#attempt-1 .job-runner").nth(1).textContent()).trim(),
               `on ${hostileRunner}`);
  // The steps, with their durations, on demand.
  await page.locator("#attempt-1 details.steps summary").first().click();
  const steps = await page.$$eval("#attempt-1 details.steps[open] .step-list li", (lis) =>
    lis.map((li) => li.textContent.trim().replace(/\s+/g, " ")));
  assert.deepEqual(steps, ["✓ success Checkout 5s", `✓ success ${hostileStep} 50s`]);
  await noInjectedMarkup(page);
  await page.screenshot({ path: path.join(artifacts, "run-timeline.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("keyboard focus is visible on the new pages' links and toggles", async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${server.url}/run?id=${firstRun}`);
  await page.locator("#attempt-1 details.steps summary").first().focus();
  const outline = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return [document.activeElement.tagName, style.outlineStyle, style.outlineWidth];
  });
  assert.deepEqual(outline.slice(0, 1), ["SUMMARY"]);
  // focus() from a script does not always count as :focus-visible; a Tab press does.
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  const visible = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return [document.activeElement.tagName, style.outlineStyle, style.outlineWidth];
  });
  assert.equal(visible[0], "SUMMARY");
  assert.equal(visible[1], "solid");
  assert.equal(visible[2], "2px");
  await page.goto(`${server.url}/runners?period=30`);
  await page.locator("#nav-runners").focus();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "nav-runners");
  assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle),
               "solid");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the new pages hold at 375 px wide and in dark mode", async () => {
  const { page, problems } = await watchedPage();
  await page.setViewportSize({ width: 375, height: 812 });
  await page.emulateMedia({ colorScheme: "dark" });
  for (const target of [`/runners?period=30`, `/run?id=${firstRun}`]) {
    await page.goto(`${server.url}${target}`);
    const overflow = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
    }));
    assert.ok(overflow.scroll <= overflow.width,
              `${target} is ${overflow.scroll}px wide at ${overflow.width}px`);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 150, `dark background on ${target}, got ${background}`);
  }
  await page.screenshot({ path: path.join(artifacts, "run-timeline-375px-dark.png"),
                          fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the run page answers 404 for an unknown run and 400 for a malformed id", async () => {
  const page = await context.newPage();
  let res = await page.goto(`${server.url}/run?id=12345`);
  assert.equal(res.status(), 404);
  assert.match(await page.locator("#error").textContent(), /no run 12345/);
  res = await page.goto(`${server.url}/run?id=abc`);
  assert.equal(res.status(), 400);
  assert.match(await page.locator("#error code").textContent(), /^id$/);
  await page.close();
});
