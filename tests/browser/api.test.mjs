// The JSON API over real HTTP against the built binary: every endpoint and filter, numbers equal
// to `cipette metrics --format json` for the same scope, 400s for bad parameters, security
// headers, the background refresh and a graceful shutdown.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  cipette, flakyRunsFile, hostileRepository, hostileRunsFile, makeDemoDatabase, removeDir,
  startServer, stopServer, tempDir,
} from "./support.mjs";

let dir;
let db;
let server;

async function getJson(path, expectedStatus = 200) {
  const res = await fetch(server.url + path);
  assert.equal(res.status, expectedStatus, `${path}: ${res.status}`);
  assert.equal(res.headers.get("content-type"), "application/json", path);
  return res.json();
}

// The CLI's document for the same scope (flags named as the query parameters).
function cliMetrics(args) {
  return JSON.parse(cipette(["metrics", "--db", db, "--format", "json", ...args], { cwd: dir }));
}

function sameNumbers(api, cli, label) {
  assert.deepEqual(api.totals, cli.totals, `${label}: totals`);
  assert.deepEqual(api.workflows, cli.workflows, `${label}: workflows`);
}

before(async () => {
  dir = tempDir("cipette-api-");
  db = makeDemoDatabase(dir, 20000);
  cipette(["import", "--db", db, flakyRunsFile(dir)], { cwd: dir });
  server = await startServer(db, { cwd: dir, env: { MTTR_REFRESH_INTERVAL: "1" } });
});

after(async () => {
  if (server) await stopServer(server);
  removeDir(dir);
});

describe("metrics", () => {
  const scopes = [
    ["period=all", ["--period", "all"]],
    ["from=2000-01-01&to=2090-01-01", ["--from", "2000-01-01", "--to", "2090-01-01"]],
    ["period=all&repository=acme/api-gateway", ["--period", "all", "--repository", "acme/api-gateway"]],
    ["period=all&branch=main", ["--period", "all", "--branch", "main"]],
    ["period=all&event=pull_request", ["--period", "all", "--event", "pull_request"]],
    ["period=all&workflow=CI", ["--period", "all", "--workflow", "CI"]],
  ];
  for (const [query, flags] of scopes) {
    test(`equals the CLI for ${query}`, async () => {
      const api = await getJson(`/api/v1/metrics?${query}`);
      sameNumbers(api, cliMetrics(flags), query);
      assert.ok(api.totals.runs > 0, `${query} selects runs`);
    });
  }

  test("the original ?days=N and ?repository= parameters keep working", async () => {
    const days = await getJson("/api/v1/metrics?days=90&repository=acme/api-gateway");
    const period = await getJson("/api/v1/metrics?period=90&repository=acme/api-gateway");
    assert.deepEqual(days.totals, period.totals);
    assert.ok(days.workflows.every((w) => w.repository === "acme/api-gateway"));
  });
});

describe("other endpoints", () => {
  test("trends add up to the metrics totals", async () => {
    const trends = await getJson("/api/v1/trends?period=all");
    const metrics = await getJson("/api/v1/metrics?period=all");
    const sum = trends.days.reduce((n, day) => n + day.runs, 0);
    assert.equal(sum, metrics.totals.runs);
  });

  test("runs are paginated and filtered like the metrics", async () => {
    const metrics = await getJson("/api/v1/metrics?period=all&branch=main");
    const page = await getJson("/api/v1/runs?period=all&branch=main&per_page=25&page=2");
    assert.equal(page.total, metrics.totals.runs);
    assert.equal(page.runs.length, 25);
    assert.equal(page.page, 2);
    assert.ok(page.runs.every((run) => run.branch === "main"));
    const failed = await getJson("/api/v1/runs?period=all&branch=main&outcome=failed&per_page=1");
    assert.equal(failed.total, metrics.totals.failed);
  });

  test("re-run and flaky runs are the ones the metrics count, with their attempts", async () => {
    const metrics = await getJson("/api/v1/metrics?period=all");
    // Every page of the re-run runs.
    const reruns = [];
    for (let page = 1, pages = 1; page <= pages; page++) {
      const doc = await getJson(`/api/v1/runs?period=all&rerun=1&per_page=500&page=${page}`);
      assert.equal(doc.total, metrics.totals.rerun_runs);
      pages = doc.pages;
      reruns.push(...doc.runs);
    }
    assert.equal(reruns.length, metrics.totals.rerun_runs);
    assert.ok(reruns.every((run) => run.run_attempt > 1));
    const lost = reruns.reduce((sum, run) => sum + run.rerun_seconds_lost, 0);
    assert.equal(lost, metrics.totals.rerun_seconds_lost);
    assert.equal(reruns.filter((run) => run.flaky).length, metrics.totals.flaky_runs);
    const flaky = await getJson("/api/v1/runs?period=all&flaky=1&per_page=500");
    assert.ok(metrics.totals.flaky_runs >= 2, "flaky-org's two flaky runs at least");
    assert.equal(flaky.total, metrics.totals.flaky_runs);
    for (const run of flaky.runs) {
      assert.equal(run.flaky, true);
      const numbers = run.attempts.map((a) => a.attempt);
      const ordered = numbers.every((n, i) => n >= 1 && (i === 0 || n > numbers[i - 1]));
      assert.ok(ordered && numbers.every((n) => n < run.run_attempt),
                `run ${run.id}: attempts ${numbers} increasing, below ${run.run_attempt}`);
      for (const attempt of run.attempts) {
        assert.ok(["completed", "unfinished", "unknown"].includes(attempt.status));
        if (attempt.status !== "completed") assert.equal(attempt.outcome, null);
      }
    }
  });

  test("repositories list every repository", async () => {
    const doc = await getJson("/api/v1/repositories");
    const names = doc.repositories.map((r) => r.name);
    assert.ok(names.includes("acme/api-gateway"));
    assert.ok(names.includes(hostileRepository));
  });

  test("the CSV export has a header, a line per workflow and a TOTAL line", async () => {
    const res = await fetch(`${server.url}/api/v1/export.csv?period=all`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
    const lines = (await res.text()).trim().split("\r\n");
    const metrics = await getJson("/api/v1/metrics?period=all");
    assert.equal(lines.length, metrics.workflows.length + 2);
    assert.ok(lines[lines.length - 1].startsWith("TOTAL,"));
  });

  test("health checks answer", async () => {
    for (const path of ["/healthz", "/api/v1/healthz"]) {
      const doc = await getJson(path);
      assert.equal(doc.status, "ok");
      assert.ok(doc.runs >= 20000);
    }
  });

  test("every response carries the security headers", async () => {
    for (const path of ["/", "/api/v1/metrics", "/static/app.js", "/missing"]) {
      const res = await fetch(server.url + path);
      const csp = res.headers.get("content-security-policy") || "";
      assert.match(csp, /script-src 'self'/, path);
      assert.doesNotMatch(csp, /unsafe-inline/, path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("referrer-policy"), "same-origin", path);
    }
  });
});

describe("jobs and runners", () => {
  test("equal `cipette metrics --by job` and `--by runner` for the same scope", async () => {
    for (const by of ["job", "runner"]) {
      const cli = cliMetrics(["--period", "all", "--by", by]);
      const api = await getJson(`/api/v1/${by}s?period=all`);
      // Everything but scope.now, which is each one's own clock.
      for (const field of ["jobs", "legs_of", "runners", "queue_days", "billable_note"]) {
        assert.deepEqual(api[field], cli[field], `--by ${by}: ${field}`);
      }
    }
  });

  test("a run's document holds the run as /api/v1/runs lists it, and its jobs", async () => {
    const listed = (await getJson("/api/v1/runs?period=all&per_page=1")).runs[0];
    const doc = await getJson(`/api/v1/runs/${listed.id}`);
    assert.deepEqual(doc.run, listed);
    assert.ok(Array.isArray(doc.jobs));
    const missing = await getJson("/api/v1/runs/999999999999999", 404);
    assert.match(missing.error.message, /No run with id 999999999999999 is stored/);
    const bad = await getJson("/api/v1/runs/x1", 400);
    assert.equal(bad.error.parameter, "id");
  });
});

describe("bad parameters", () => {
  const cases = [
    ["/api/v1/metrics?period=fortnight", "period"],
    ["/api/v1/metrics?days=-3", "days"],
    ["/api/v1/metrics?days=99999999999999999999", "days"],
    ["/api/v1/metrics?from=2024-02-30", "from"],
    ["/api/v1/metrics?from=2024-03-01&to=2024-01-01", "to"],
    ["/api/v1/trends?color=blue", "color"],
    ["/api/v1/metrics?branch=%C0%AF", "branch"],
    ["/api/v1/runs?per_page=100000", "per_page"],
    ["/api/v1/runs?outcome=maybe", "outcome"],
    ["/api/v1/runs?rerun=yes", "rerun"],
    ["/api/v1/runs?flaky=2", "flaky"],
    ["/api/v1/metrics?flaky=1", "flaky"],
    ["/api/v1/export.csv?repository=nope", "repository"],
  ];
  for (const [path, parameter] of cases) {
    test(`${path} is a 400 naming ${parameter}`, async () => {
      const doc = await getJson(path, 400);
      assert.equal(doc.error.parameter, parameter);
      assert.ok(doc.error.message.length > 0);
    });
  }

  test("the dashboard answers bad parameters with a 400 page", async () => {
    const res = await fetch(`${server.url}/?period=fortnight`);
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type"), /text\/html/);
  });
});

describe("refresh", () => {
  test("runs added while the server runs appear, and no request fails meanwhile", async () => {
    const before = await getJson("/healthz");
    let failures = 0;
    let requests = 0;
    let done = false;
    const load = (async () => {
      while (!done) {
        const res = await fetch(`${server.url}/api/v1/metrics?period=all`).catch(() => null);
        requests++;
        if (!res || res.status !== 200) failures++;
        else await res.arrayBuffer();
      }
    })();
    // Four new runs of the hostile workflow.
    cipette(["import", "--db", db, hostileRunsFile(dir, Date.now(), 990000101)], { cwd: dir });
    let after = before;
    for (let i = 0; i < 100 && after.generation === before.generation; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await getJson("/healthz");
    }
    done = true;
    await load;
    assert.ok(after.generation > before.generation, "a new snapshot was published");
    assert.equal(after.runs, before.runs + 4);
    assert.ok(requests > 0);
    assert.equal(failures, 0);
  });
});

describe("access control", () => {
  test("CIPETTE_AUTH_TOKEN requires the token as a bearer token or a login cookie", async () => {
    const guarded = await startServer(db, { cwd: dir, env: { CIPETTE_AUTH_TOKEN: "s3cret-token" } });
    try {
      const url = guarded.url;
      assert.equal((await fetch(`${url}/api/v1/metrics`)).status, 401);
      const bearer = { headers: { Authorization: "Bearer s3cret-token" } };
      assert.equal((await fetch(`${url}/api/v1/metrics`, bearer)).status, 200);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const page = await fetch(`${url}/`, { redirect: "manual" });
      assert.equal(page.status, 303);
      assert.equal(page.headers.get("location"), "/login?next=%2F");
      const login = await fetch(`${url}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "token=s3cret-token&next=%2F",
      });
      assert.equal(login.status, 303);
      const cookie = login.headers.get("set-cookie").split(";")[0];
      assert.equal((await fetch(`${url}/`, { headers: { Cookie: cookie } })).status, 200);
    } finally {
      const exit = await stopServer(guarded);
      assert.equal(exit.code, 0);
    }
  });
});

describe("shutdown", () => {
  test("SIGTERM stops the server cleanly", async () => {
    const result = await stopServer(server);
    server = null;
    assert.equal(result.code, 0);
  });
});
