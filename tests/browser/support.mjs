// Helpers shared by the end-to-end tests: a demo database made by the built binary, a
// `cipette serve` process on a free loopback port, and HTTP helpers. Every process started
// here is stopped by the test that started it.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.CIPETTE_SOURCE_DIR || path.resolve(here, "../..");
export const binary = process.env.CIPETTE_BINARY || path.join(sourceDir, "build/cipette");
export const artifactsDir =
  process.env.CIPETTE_ARTIFACTS || path.join(sourceDir, "build/test-artifacts");

export const hostileBranch = "<script>alert(1)</script>";
export const hostileWorkflow = '"><img src=x onerror=alert(1)>';
export const hostileRepository = "evil-org/xss-repo";

export function tempDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

// Runs the binary to completion in `cwd` (so no developer .env is read); throws on failure.
export function cipette(args, { cwd, env = {} } = {}) {
  const result = spawnSync(binary, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`cipette ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

// A GitHub list-workflow-runs page (from the fixture GitHub published) whose runs carry hostile
// names: a branch and a workflow named like markup, in their own repository.
export function hostileRunsFile(dir, now = Date.now(), firstId = 990000001) {
  const fixture = JSON.parse(
    readFileSync(path.join(sourceDir, "tests/fixtures/github/list-workflow-runs.json"), "utf8"));
  const template = fixture.workflow_runs[0];
  const runs = [];
  const outcomes = ["success", "failure", "failure", "success"];
  outcomes.forEach((conclusion, i) => {
    const run = structuredClone(template);
    const created = new Date(now - (outcomes.length - i) * 3600 * 1000);
    run.id = firstId + i;
    run.run_number = 1 + i;
    run.name = hostileWorkflow;
    run.head_branch = hostileBranch;
    run.path = ".github/workflows/xss.yml";
    run.workflow_id = 990001;
    run.status = "completed";
    run.conclusion = conclusion;
    run.created_at = created.toISOString().replace(/\.\d+Z$/, "Z");
    run.run_started_at = run.created_at;
    run.updated_at = new Date(created.getTime() + 90 * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    run.html_url = `https://github.com/${hostileRepository}/actions/runs/${run.id}`;
    run.repository.id = 990;
    run.repository.name = "xss-repo";
    run.repository.full_name = hostileRepository;
    run.repository.owner.login = "evil-org";
    runs.push(run);
  });
  const file = path.join(dir, `hostile-runs-${firstId}.json`);
  writeFileSync(file, JSON.stringify({ total_count: runs.length, workflow_runs: runs }));
  return file;
}

export const flakyRepository = "flaky-org/flaky-repo";

// The attempts of the "Flaky CI" runs of flakyRepository, each run's list in attempt order: run
// 1 failed then passed (flaky), 2 passed first time, 3 failed, was cancelled, then passed
// (flaky), 4 failed twice. Every attempt takes 2 minutes, so 8 minutes are lost to re-runs.
export const flakyAttempts = [
  ["failure", "success"],
  ["success"],
  ["failure", "cancelled", "success"],
  ["failure", "failure"],
];

// Attempt objects (GET .../runs/{id}/attempts/{n}, the run's shape with that attempt's values)
// of the flakyAttempts runs, created an hour apart before `now`, for `cipette import`.
export function flakyRunsFile(dir, now = Date.now(), firstId = 880000001) {
  const fixture = JSON.parse(
    readFileSync(path.join(sourceDir, "tests/fixtures/github/list-workflow-runs.json"), "utf8"));
  const template = fixture.workflow_runs[0];
  const stamp = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const objects = [];
  flakyAttempts.forEach((conclusions, i) => {
    const created = now - (flakyAttempts.length - i) * 3600 * 1000;
    conclusions.forEach((conclusion, k) => {
      const run = structuredClone(template);
      const started = created + k * 600 * 1000;
      run.id = firstId + i;
      run.run_number = 1 + i;
      run.run_attempt = k + 1;
      run.name = "Flaky CI";
      run.head_branch = "main";
      run.path = ".github/workflows/flaky.yml";
      run.workflow_id = 880001;
      run.status = "completed";
      run.conclusion = conclusion;
      run.created_at = stamp(created);
      run.run_started_at = stamp(started);
      run.updated_at = stamp(started + 120 * 1000);
      run.html_url = `https://github.com/${flakyRepository}/actions/runs/${run.id}`;
      run.repository.id = 880;
      run.repository.name = "flaky-repo";
      run.repository.full_name = flakyRepository;
      run.repository.owner.login = "flaky-org";
      objects.push(run);
    });
  });
  const file = path.join(dir, `flaky-runs-${firstId}.json`);
  writeFileSync(file, JSON.stringify(objects));
  return file;
}

// A demo database of `runs` runs plus the hostile runs, in `dir`.
export function makeDemoDatabase(dir, runs = 20000) {
  const db = path.join(dir, "demo.db");
  cipette(["demo", "--runs", String(runs), "--db", db, "--no-serve"], { cwd: dir });
  cipette(["import", "--db", db, hostileRunsFile(dir)], { cwd: dir });
  return db;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Starts `cipette serve` on a free port and waits until /healthz answers.
export async function startServer(db, { cwd, env = {} } = {}) {
  const port = await freePort();
  const child = spawn(binary, ["serve"], {
    cwd,
    env: {
      ...process.env,
      DATABASE_URL: db,
      CIPETTE_HOST: "127.0.0.1",
      CIPETTE_PORT: String(port),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const server = { child, port, url: `http://127.0.0.1:${port}`, stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => (server.stdout += chunk));
  child.stderr.on("data", (chunk) => (server.stderr += chunk));
  server.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${server.url}/healthz`);
      if (res.ok) return server;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error(`cipette serve did not start:\n${server.stderr}`);
}

// Stops the server with SIGTERM and returns how it exited.
export async function stopServer(server) {
  if (server.child.exitCode !== null) return server.exited;
  server.child.kill("SIGTERM");
  const timeout = sleep(15000).then(() => "timeout");
  const result = await Promise.race([server.exited, timeout]);
  if (result === "timeout") {
    server.child.kill("SIGKILL");
    throw new Error("cipette serve did not stop within 15 s of SIGTERM");
  }
  return result;
}

export function ensureArtifactsDir() {
  mkdirSync(artifactsDir, { recursive: true });
  return artifactsDir;
}

// The hostile names the jobs of flakyJobsFile carry: a runner group, a runner and a step.
export const hostileRunnerGroup = "<b>pool</b>";
export const hostileRunner = "<img src=x onerror=alert(1)>";
export const hostileStep = '"><script>alert(1)</script>';

// A jobs page (GET .../runs/{id}/jobs?filter=all, in the shape of the fixture GitHub published)
// with the jobs of every attempt of the flakyRunsFile runs made with the same `now` and
// `firstId`, for `cipette import`. Attempt k of run i (0-based) starts at the run's creation +
// k * 10 min and has two jobs, both created then:
//   build: queued 10 * (i + 1) s, runs 60 s (steps: checkout 5 s, hostileStep 50 s), success,
//     on [ubuntu-latest] in group "GitHub Actions";
//   test (ubuntu, 3.12): queued 100 s, runs 120 s, the attempt's conclusion, on [self-hosted,
//     linux] in group hostileRunnerGroup, runner hostileRunner.
export function flakyJobsFile(dir, now = Date.now(), firstId = 880000001) {
  const fixture = JSON.parse(readFileSync(
    path.join(sourceDir, "tests/fixtures/github/list-jobs-for-workflow-run.json"), "utf8"));
  const template = fixture.jobs[0];
  const stamp = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const jobs = [];
  let jobId = firstId * 10;
  flakyAttempts.forEach((conclusions, i) => {
    const created = now - (flakyAttempts.length - i) * 3600 * 1000;
    const runId = firstId + i;
    conclusions.forEach((conclusion, k) => {
      const start = created + k * 600 * 1000;
      const job = (name, queue, seconds, result, labels, group, runner, steps) => {
        const j = structuredClone(template);
        j.id = ++jobId;
        j.run_id = runId;
        j.run_attempt = k + 1;
        j.run_url = `https://api.github.com/repos/${flakyRepository}/actions/runs/${runId}`;
        j.html_url = `https://github.com/${flakyRepository}/actions/runs/${runId}/job/${j.id}`;
        j.name = name;
        j.status = "completed";
        j.conclusion = result;
        j.created_at = stamp(start);
        j.started_at = stamp(start + queue * 1000);
        j.completed_at = stamp(start + (queue + seconds) * 1000);
        j.labels = labels;
        j.runner_group_name = group;
        j.runner_name = runner;
        let at = start + queue * 1000;
        j.steps = steps.map(([stepName, stepSeconds], n) => {
          const step = { name: stepName, status: "completed", conclusion: "success", number: n + 1,
                         started_at: stamp(at), completed_at: stamp(at + stepSeconds * 1000) };
          at += stepSeconds * 1000;
          return step;
        });
        jobs.push(j);
      };
      job("build", 10 * (i + 1), 60, "success", ["ubuntu-latest"], "GitHub Actions", "hosted-1",
          [["Checkout", 5], [hostileStep, 50]]);
      job("test (ubuntu, 3.12)", 100, 120, conclusion, ["self-hosted", "linux"],
          hostileRunnerGroup, hostileRunner, [["Run tests", 120]]);
    });
  });
  const file = path.join(dir, `flaky-jobs-${firstId}.json`);
  writeFileSync(file, JSON.stringify({ total_count: jobs.length, jobs }));
  return file;
}

// Headless Chromium (Debian's, driven by playwright-core, a devDependency of web/package.json:
// npm ci --prefix web) with a fresh profile in `dir`.
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

// `options`: more context options (javaScriptEnabled: false for a browser without scripts);
// `profile`: the profile directory's name in `dir`, one per context.
export async function launchBrowser(dir, viewport, options = {}, profile = "profile") {
  const require = createRequire(path.join(sourceDir, "web/package.json"));
  const { chromium } = require("playwright-core");
  return chromium.launchPersistentContext(path.join(dir, profile), {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport,
    ...options,
  });
}

// A new page of `context` that records console errors, uncaught exceptions, failed requests
// and dialogs (an alert() would mean injected markup ran) in `problems`.
export async function watchedPage(context) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`exception: ${error.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on("dialog", async (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
  return { page, problems };
}

// How many <img src=x> and inline or injected <script> elements the page holds: [images,
// scripts]; [0, 0] unless markup from the data ran.
export async function injectedMarkup(page) {
  const images = await page.locator("img[src='x']").count();
  const scripts = await page.$$eval("script", (all) =>
    all.filter((s) => !s.src || s.textContent.includes("alert")).length);
  return [images, scripts];
}

// Closes the browser, stops the server and removes `dir`; returns how the server exited (or
// undefined when none was started).
export async function shutDown(context, server, dir) {
  if (context) await context.close();
  const exit = server ? await stopServer(server) : undefined;
  removeDir(dir);
  return exit;
}
