// `cipette serve` on PostgreSQL: two dashboards on one database show the same numbers; through
// a database outage a server keeps answering from its last snapshot, says so in its log, and
// picks up new runs once the database is back. The test runs a PostgreSQL cluster of its own (scripts/postgres-cluster.sh
// with a private state directory), since it stops that server on purpose.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import {
  cipette, hostileRunsFile, removeDir, sourceDir, startServer, stopServer, tempDir,
} from "./support.mjs";

const clusterScript = path.join(sourceDir, "scripts/postgres-cluster.sh");
let dir;
let server;
let stateDir;
let url;
let skipReason = "";

function cluster(command) {
  const result = spawnSync("bash", [clusterScript, command], {
    env: { ...process.env, CIPETTE_PG_STATE_DIR: stateDir },
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`postgres-cluster.sh ${command} failed:\n${result.stderr}`);
  }
  return result.stdout.trim();
}

function hasPostgresServer() {
  const root = "/usr/lib/postgresql";
  return existsSync(root) &&
    readdirSync(root).some((version) => existsSync(path.join(root, version, "bin/initdb")));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function totalRuns() {
  const res = await fetch(`${server.url}/api/v1/metrics?period=all`);
  assert.equal(res.status, 200);
  return (await res.json()).totals.runs;
}

before(async () => {
  if (!hasPostgresServer()) {
    if (process.env.CIPETTE_REQUIRE_POSTGRES === "1") {
      throw new Error("CIPETTE_REQUIRE_POSTGRES=1 but no PostgreSQL server is installed");
    }
    skipReason = "no PostgreSQL server installed (apt-get install postgresql)";
    return;
  }
  dir = tempDir("cipette-pg-outage-");
  stateDir = path.join(dir, "cluster");
  cluster("start");
  url = cluster("url");
  const demo = path.join(dir, "demo.db");
  cipette(["demo", "--no-serve", "--runs", "3000", "--db", demo], { cwd: dir });
  cipette(["db", "copy", "--from", demo, "--to", url], { cwd: dir });
  server = await startServer(url, {
    cwd: dir,
    env: { MTTR_REFRESH_INTERVAL: "1", CACHE_TTL_SECONDS: "0" },
  });
});

after(async () => {
  if (server) await stopServer(server);
  if (stateDir) cluster("stop");
  if (dir) removeDir(dir);
});

test("two dashboards on one database show the same numbers", async (t) => {
  if (skipReason) {
    t.skip(skipReason);
    return;
  }
  const second = await startServer(url, { cwd: dir, env: { CACHE_TTL_SECONDS: "0" } });
  try {
    // Whole days, so that the two servers' clocks cannot disagree about the scope.
    const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
    for (const query of ["period=all", `from=${day(-30)}&to=${day(1)}`, "period=all&branch=main"]) {
      const [a, b] = await Promise.all([server, second].map(async (s) => {
        const res = await fetch(`${s.url}/api/v1/metrics?${query}`);
        assert.equal(res.status, 200);
        return res.json();
      }));
      assert.deepEqual(a.totals, b.totals, `${query}: totals`);
      assert.deepEqual(a.workflows, b.workflows, `${query}: workflows`);
      assert.ok(a.totals.runs > 0, `${query}: some runs`);
    }
  } finally {
    await stopServer(second);
  }
});

test("serve keeps its last data through a database outage and catches up after", async (t) => {
  if (skipReason) {
    t.skip(skipReason);
    return;
  }
  const before = await totalRuns();
  assert.ok(before > 0, "the demo runs are served");

  cluster("halt");
  // Several refreshes (one a second) fail while the database is down.
  await sleep(3000);
  assert.equal(await totalRuns(), before, "the last snapshot is still served");
  assert.equal((await fetch(`${server.url}/`)).status, 200, "the dashboard still renders");
  assert.match(server.stderr, /warning: refreshing the run table: .*keeping the previous data/);
  assert.equal(server.child.exitCode, null, "the server is still running");

  cluster("resume");
  // Four new completed runs (the hostile-names fixture) written while the server runs.
  cipette(["import", "--db", url, hostileRunsFile(dir)], { cwd: dir });
  let after = before;
  for (let i = 0; i < 100 && after === before; i++) {
    await sleep(200);
    after = await totalRuns();
  }
  assert.equal(after, before + 4, "the runs written after the outage appear");
  assert.ok(!server.stderr.includes(url.split("@")[0].split(":").pop()),
    "the password never appears in the log");
});
