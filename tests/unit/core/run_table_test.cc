#include "cipette/core/run_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cipette/core/engine/table_data.h"

namespace cipette {
namespace {

constexpr Timestamp kT0 = 1709287200;  // 2024-03-01T10:00:00Z

RunRecord make_run(std::int64_t id, std::string conclusion = "success") {
  RunRecord run;
  run.id = id;
  run.repository_id = 1;
  run.repository = "octo/app";
  run.workflow_id = 10;
  run.workflow_name = "CI";
  run.path = ".github/workflows/ci.yml";
  run.run_number = id;
  run.event = "push";
  run.status = "completed";
  run.conclusion = std::move(conclusion);
  run.head_branch = "main";
  run.actor = "mona";
  run.created_at = kT0 + id * 60;
  run.run_started_at = run.created_at + 5;
  run.updated_at = run.created_at + 100;
  run.html_url = "https://github.com/octo/app/actions/runs/" + std::to_string(id);
  return run;
}

RunTable build(const std::vector<RunRecord>& runs, ChangeSeq watermark = 1) {
  RunTableBuilder builder;
  for (const auto& run : runs) builder.add(run);
  return builder.build(watermark);
}

std::vector<std::int64_t> ids_of(const RunTable& table) {
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < table.size(); ++i) ids.push_back(table.row(i).id);
  return ids;
}

// An in-memory RunReader: every upsert gets the next change sequence number.
class FakeStore : public RunReader {
 public:
  Result<UpsertStats> upsert_runs(std::span<const RunRecord> runs) {
    UpsertStats stats;
    for (const auto& run : runs) {
      (runs_.count(run.id) ? stats.updated : stats.inserted)++;
      runs_[run.id] = {++seq_, run};
    }
    return stats;
  }

  Result<ChangeSeq> scan_runs(ChangeSeq since,
                              const std::function<ScanStep(const RunRecord&)>& visit) override {
    ++scans;
    last_since = since;
    if (broken) return fail("database is locked");
    std::vector<std::pair<ChangeSeq, const RunRecord*>> changed;
    for (const auto& [id, entry] : runs_) {
      if (entry.first > since) changed.emplace_back(entry.first, &entry.second);
    }
    std::sort(changed.begin(), changed.end());
    ChangeSeq last = since;
    for (const auto& [seq, run] : changed) {
      last = seq;
      if (visit(*run) == ScanStep::kStop) break;
    }
    return last;
  }

  std::string describe() const override { return "fake:memory"; }

  int scans = 0;
  ChangeSeq last_since = -1;
  bool broken = false;

 private:
  std::map<std::int64_t, std::pair<ChangeSeq, RunRecord>> runs_;
  ChangeSeq seq_ = 0;
};

TEST(RunTableTest, EmptyBuilderGivesEmptyTableWithEmptyNamesFirst) {
  RunTable table = RunTableBuilder().build(0);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_TRUE(table.repositories().empty());
  ASSERT_EQ(table.branches().size(), 1u);
  EXPECT_EQ(table.branches()[0], "");
  EXPECT_EQ(table.events()[0], "");
  EXPECT_EQ(table.actors()[0], "");
}

TEST(RunTableTest, CopiesTheColumnsOfARun) {
  RunRecord run = make_run(3, "timed_out");
  run.run_attempt = 2;
  RunTable table = build({run}, 7);
  ASSERT_EQ(table.size(), 1u);
  const RunTable::Row row = table.row(0);
  EXPECT_EQ(row.id, 3);
  EXPECT_EQ(row.created_at, kT0 + 180);
  EXPECT_EQ(row.started_at, kT0 + 185);
  EXPECT_EQ(row.completed_at, kT0 + 280);
  EXPECT_EQ(row.run_number, 3);
  EXPECT_EQ(row.run_attempt, 2);
  EXPECT_EQ(row.outcome, Outcome::kFailed);
  EXPECT_TRUE(row.completed);
  EXPECT_EQ(table.branches()[row.branch], "main");
  EXPECT_EQ(table.events()[row.event], "push");
  EXPECT_EQ(table.actors()[row.actor], "mona");
  const auto& workflow = table.workflows()[row.workflow];
  EXPECT_EQ(workflow.workflow_id, 10);
  EXPECT_EQ(workflow.name, "CI");
  EXPECT_EQ(workflow.path, ".github/workflows/ci.yml");
  EXPECT_EQ(table.repositories()[workflow.repository], "octo/app");
  EXPECT_EQ(table.watermark(), 7);
}

TEST(RunTableTest, StartFallsBackToCreatedAtAndStatusDecidesCompleted) {
  RunRecord run = make_run(1);
  run.run_started_at.reset();
  run.status = "in_progress";
  run.conclusion = "";
  RunTable table = build({run});
  EXPECT_EQ(table.row(0).started_at, run.created_at);
  EXPECT_FALSE(table.row(0).completed);
  EXPECT_EQ(table.row(0).outcome, Outcome::kNeutral);
}

TEST(RunTableTest, SortsRowsByWorkflowCreationAndId) {
  RunRecord a = make_run(1);  // workflow 10, created kT0 + 60
  RunRecord b = make_run(2);  // workflow 10, created kT0 + 120, completes before a
  b.updated_at = kT0 + 50;
  RunRecord c = make_run(3);  // workflow 10, branch "dev", created kT0 + 180
  c.head_branch = "dev";
  RunRecord d = make_run(4);  // workflow 20 (interned second), created kT0 + 240
  d.workflow_id = 20;
  RunRecord e = make_run(5);  // created with a: ties by id
  e.created_at = a.created_at;
  // Added out of order; workflow ids: 10 -> 0, 20 -> 1.
  RunTable table = build({a, d, c, e, b});
  EXPECT_EQ(ids_of(table), (std::vector<std::int64_t>{1, 5, 2, 3, 4}));
  EXPECT_EQ(table.workflow_rows(0), (std::pair<std::size_t, std::size_t>{0, 4}));
  EXPECT_EQ(table.workflow_rows(1), (std::pair<std::size_t, std::size_t>{4, 5}));
  EXPECT_EQ(table.row(4).workflow, 1u);
}

TEST(RunTableTest, InternsRepositoriesIgnoringCase) {
  RunRecord a = make_run(1);
  RunRecord b = make_run(2);
  b.repository = "Octo/App";
  RunRecord c = make_run(3);
  c.repository = "octo/other";
  c.workflow_id = 11;
  RunTable table = build({a, b, c});
  ASSERT_EQ(table.repositories().size(), 2u);
  EXPECT_EQ(table.workflows().size(), 2u);  // a and b share (octo/app, 10)
  EXPECT_EQ(table.find_repository("OCTO/APP"), NameId{0});
  EXPECT_EQ(table.find_repository("octo/other"), NameId{1});
  EXPECT_EQ(table.find_repository("octo/missing"), std::nullopt);
  EXPECT_EQ(table.find_repository(""), std::nullopt);
}

TEST(RunTableTest, KeysWorkflowsByRepositoryAndWorkflowId) {
  RunRecord a = make_run(1);
  RunRecord b = make_run(2);
  b.repository = "octo/other";  // same workflow id 10, other repository
  RunTable table = build({a, b});
  EXPECT_EQ(table.workflows().size(), 2u);
  EXPECT_NE(table.row(0).workflow, table.row(1).workflow);
}

TEST(RunTableTest, NamesAWorkflowAfterItsMostRecentlyUpdatedRun) {
  RunRecord renamed = make_run(2);
  renamed.workflow_name = "Build";
  renamed.path = ".github/workflows/build.yml";
  RunRecord old = make_run(1);  // updated before `renamed`, but added after it
  RunTable table = build({renamed, old});
  ASSERT_EQ(table.workflows().size(), 1u);
  EXPECT_EQ(table.workflows()[0].name, "Build");
  EXPECT_EQ(table.workflows()[0].path, ".github/workflows/build.yml");
}

TEST(RunTableTest, DerivesTheRepositoryWebAddressFromRunLinks) {
  RunRecord a = make_run(1);
  RunRecord b = make_run(2);
  b.repository = "corp/tool";
  b.workflow_id = 30;
  b.html_url = "https://ghe.example.com/corp/tool/actions/runs/2/attempts/1";
  RunRecord c = make_run(3);
  c.repository = "corp/nolink";
  c.workflow_id = 31;
  c.html_url = "";
  RunTable table = build({a, b, c});
  EXPECT_EQ(table.repository_html_base(*table.find_repository("octo/app")),
            "https://github.com/octo/app");
  EXPECT_EQ(table.repository_html_base(*table.find_repository("corp/tool")),
            "https://ghe.example.com/corp/tool");
  EXPECT_EQ(table.repository_html_base(*table.find_repository("corp/nolink")), "");
  EXPECT_EQ(table.repository_html_base(99), "");
}

TEST(RunTableTest, KeepsTheLastAddedVersionOfARun) {
  RunRecord first = make_run(1, "");
  first.status = "in_progress";
  RunRecord second = make_run(1, "failure");
  RunTable table = build({first, second});
  ASSERT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.row(0).completed);
  EXPECT_EQ(table.row(0).outcome, Outcome::kFailed);
}

TEST(RunTableTest, IncrementalBuildReplacesChangedRunsAndKeepsDictionaryIds) {
  RunTable base = build({make_run(1), make_run(2), make_run(3)}, 5);
  RunRecord changed = make_run(2, "failure");
  changed.updated_at += 1000;  // now completes after run 3
  RunRecord added = make_run(4);
  added.head_branch = "feature";
  added.event = "pull_request";

  RunTableBuilder builder(base);
  builder.add(changed);
  builder.add(added);
  RunTable table = builder.build(9);

  // By creation: 2 keeps its place although it now completes after 3.
  EXPECT_EQ(ids_of(table), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(table.row(1).outcome, Outcome::kFailed);
  EXPECT_EQ(table.branches(), (std::vector<std::string>{"", "main", "feature"}));
  EXPECT_EQ(table.events(), (std::vector<std::string>{"", "push", "pull_request"}));
  EXPECT_EQ(table.watermark(), 9);
  EXPECT_EQ(ids_of(base), (std::vector<std::int64_t>{1, 2, 3}));  // the base is untouched
}

TEST(RunTableTest, IncrementalBuildMergesNewRowsIntoEveryWorkflow) {
  std::vector<RunRecord> runs;
  for (int id = 1; id <= 20; ++id) {
    RunRecord run = make_run(id);
    run.workflow_id = 10 + id % 3;
    run.head_branch = id % 2 ? "main" : "dev";
    runs.push_back(run);
  }
  RunTable base = build(std::vector<RunRecord>(runs.begin(), runs.begin() + 12));
  RunTableBuilder builder(base);
  for (std::size_t i = 8; i < runs.size(); ++i) builder.add(runs[i]);  // 9..12 again, 13..20
  RunTable incremental = builder.build(2);
  RunTable full = build(runs);
  EXPECT_EQ(ids_of(incremental), ids_of(full));
  EXPECT_EQ(incremental.size(), 20u);
}

// Random histories: a base plus a batch of new and replaced runs (some completing, some
// changing outcome, branch or workflow) gives, row for row and column for column, the table
// built in one go from the same runs added in the same order (so that the dictionaries assign
// the same ids), where only the last version of each run counts.
TEST(RunTableTest, IncrementalBuildEqualsAFullBuildOnRandomChanges) {
  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<RunRecord> first, second;
    for (int id = 1; id <= 300; ++id) {
      RunRecord run = make_run(id, random() % 3 == 0 ? "failure" : "success");
      run.workflow_id = 10 + static_cast<std::int64_t>(random() % 4);
      run.head_branch = random() % 2 ? "main" : "dev";
      run.created_at = kT0 + static_cast<Timestamp>(random() % 5000);
      run.updated_at = run.created_at + static_cast<Timestamp>(random() % 400);
      if (random() % 10 == 0) run.status = "in_progress";
      if (random() % 6 == 0) {  // re-run once: attempt 1 failed
        run.run_attempt = 2;
        run.earlier_attempts.push_back(
            {run.id, 1, true, "completed", "failure", run.created_at, run.created_at + 20});
      }
      (id <= 250 ? first : second).push_back(run);
    }
    for (int changes = 0; changes < 40; ++changes) {  // later versions of base runs
      RunRecord run = first[random() % first.size()];
      run.updated_at += 30;
      if (random() % 3 == 0) {  // a new attempt; the one before it timed out
        run.earlier_attempts.push_back({run.id, run.run_attempt, true, "completed", "timed_out",
                                        run.created_at + 20, run.created_at + 25});
        ++run.run_attempt;
      }
      run.status = "completed";
      run.conclusion = random() % 2 ? "failure" : "success";
      if (random() % 4 == 0) run.head_branch = "release";
      if (random() % 8 == 0) run.workflow_id = 13;
      second.push_back(run);
    }
    RunTable base = build(first, 1);
    RunTableBuilder builder(base);
    for (const RunRecord& run : second) builder.add(run);
    RunTable incremental = builder.build(2);
    std::vector<RunRecord> all = first;
    all.insert(all.end(), second.begin(), second.end());
    RunTable full = build(all, 2);

    ASSERT_EQ(ids_of(incremental), ids_of(full)) << "round " << round;
    const engine::TableData& a = incremental.data();
    const engine::TableData& b = full.data();
    EXPECT_EQ(a.workflow_begin, b.workflow_begin) << "round " << round;
    EXPECT_EQ(a.created_at, b.created_at) << "round " << round;
    EXPECT_EQ(a.started_at, b.started_at) << "round " << round;
    EXPECT_EQ(a.completed_at, b.completed_at) << "round " << round;
    EXPECT_EQ(a.branch, b.branch) << "round " << round;
    EXPECT_EQ(a.state, b.state) << "round " << round;
    EXPECT_EQ(a.history, b.history) << "round " << round;
    EXPECT_EQ(a.reruns.ids, b.reruns.ids) << "round " << round;
    EXPECT_EQ(a.reruns.seconds_lost, b.reruns.seconds_lost) << "round " << round;
    EXPECT_EQ(a.reruns.begin, b.reruns.begin) << "round " << round;
    EXPECT_EQ(a.reruns.attempts, b.reruns.attempts) << "round " << round;
    EXPECT_EQ(a.sums, b.sums) << "round " << round;
    EXPECT_EQ(a.stream_order, b.stream_order) << "round " << round;
    EXPECT_EQ(a.incident_begin, b.incident_begin) << "round " << round;
    ASSERT_EQ(a.incidents.size(), b.incidents.size()) << "round " << round;
    for (std::size_t i = 0; i < a.incidents.size(); ++i) {
      EXPECT_EQ(a.incidents[i].created_at, b.incidents[i].created_at);
      EXPECT_EQ(a.incidents[i].recovery, b.incidents[i].recovery);
      EXPECT_EQ(a.incidents[i].branch, b.incidents[i].branch);
    }
  }
}

TEST(RunTableTest, KeepsTheEarlierAttemptsOfARunAndWhatTheyAdd) {
  // Run 7: attempt 1 failed after 240 s, attempt 2 is unknown (GitHub answered 404), attempt 3
  // (the run) succeeded. Run 8 was never re-run.
  RunRecord rerun = make_run(7, "success");
  rerun.run_attempt = 3;
  rerun.earlier_attempts = {{7, 1, true, "completed", "failure", kT0 + 10, kT0 + 250},
                            {7, 2, false, "", "", std::nullopt, 0}};
  RunTable table = build({rerun, make_run(8, "failure")});
  ASSERT_EQ(table.size(), 2u);
  RunTable::Row row = table.row(0);
  EXPECT_EQ(row.id, 7);
  EXPECT_EQ(row.run_attempt, 3);
  EXPECT_EQ(row.first_attempt, Outcome::kFailed);
  EXPECT_TRUE(row.flaky);
  EXPECT_EQ(row.seconds_lost, 240);
  auto attempts = table.earlier_attempts(0);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].attempt, 1);
  EXPECT_TRUE(attempts[0].found);
  EXPECT_TRUE(attempts[0].completed);
  EXPECT_EQ(attempts[0].outcome, Outcome::kFailed);
  EXPECT_EQ(attempts[0].started_at, kT0 + 10);
  EXPECT_EQ(attempts[0].updated_at, kT0 + 250);
  EXPECT_EQ(attempts[1].attempt, 2);
  EXPECT_FALSE(attempts[1].found);
  EXPECT_FALSE(attempts[1].completed);
  EXPECT_EQ(attempts[1].started_at, std::nullopt);

  RunTable::Row plain = table.row(1);
  EXPECT_EQ(plain.first_attempt, Outcome::kFailed);  // the run itself
  EXPECT_FALSE(plain.flaky);
  EXPECT_EQ(plain.seconds_lost, 0);
  EXPECT_TRUE(table.earlier_attempts(1).empty());

  // A refresh that brings the run again without attempts (a newer version from a store that
  // lost them) drops them; one that leaves it alone keeps them.
  RunTableBuilder keep(table);
  keep.add(make_run(9, "success"));
  RunTable kept = keep.build(2);
  EXPECT_EQ(kept.earlier_attempts(0).size(), 2u);
  RunTableBuilder drop(table);
  RunRecord bare = rerun;
  bare.earlier_attempts.clear();
  drop.add(bare);
  RunTable dropped = drop.build(3);
  EXPECT_TRUE(dropped.earlier_attempts(0).empty());
  EXPECT_EQ(dropped.row(0).first_attempt, std::nullopt);
  EXPECT_FALSE(dropped.row(0).flaky);
}

TEST(RunTableTest, RunningSumsSumAnyRangeOfRows) {
  std::mt19937 random(11);
  std::vector<RunRecord> runs;
  for (int id = 1; id <= 300; ++id) {  // several strides of 64 rows
    RunRecord run = make_run(id, random() % 3 == 0 ? "failure" : "success");
    if (random() % 7 == 0) run.conclusion = "cancelled";
    if (random() % 11 == 0) run.status = "in_progress";
    run.updated_at = run.created_at + static_cast<Timestamp>(random() % 900);
    if (random() % 9 == 0) run.run_started_at = run.updated_at + 5;  // no duration
    if (random() % 4 == 0) {  // re-run: attempt 1 failed or succeeded after 100 s
      run.run_attempt = 2;
      AttemptRecord first{run.id,
                          1,
                          true,
                          "completed",
                          random() % 2 == 0 ? "failure" : "success",
                          run.created_at,
                          run.created_at + 100};
      run.earlier_attempts.push_back(first);
    }
    runs.push_back(run);
  }
  RunTable table = build(runs);
  const engine::TableData& data = table.data();
  ASSERT_EQ(data.size(), 300u);
  for (std::size_t begin = 0; begin <= 300; begin += 7) {
    for (std::size_t end = begin; end <= 300; end += 13) {
      engine::Sums expected;  // counted one run at a time, from the rows
      for (std::size_t i = begin; i < end; ++i) {
        RunTable::Row row = table.row(i);
        if (!row.completed) continue;
        ++expected.completed;
        expected.success += row.outcome == Outcome::kSuccess;
        expected.failed += row.outcome == Outcome::kFailed;
        if (row.completed_at >= row.started_at) {
          ++expected.timed;
          expected.duration += row.completed_at - row.started_at;
        }
        expected.reruns += row.run_attempt > 1;
        expected.flaky += row.flaky;
        expected.first_success += row.first_attempt == Outcome::kSuccess;
        expected.first_failed += row.first_attempt == Outcome::kFailed;
        expected.seconds_lost += row.seconds_lost;
      }
      ASSERT_EQ(data.sums_between(begin, end), expected) << begin << ".." << end;
    }
  }
}

TEST(RunTableTest, BuilderFromBaseWithoutChangesKeepsTheRows) {
  RunTable base = build({make_run(1), make_run(2)}, 4);
  RunTable copy = RunTableBuilder(base).build(4);
  EXPECT_EQ(ids_of(copy), ids_of(base));
  EXPECT_EQ(copy.workflows().size(), 1u);
  EXPECT_EQ(copy.watermark(), 4);
}

TEST(RunTableTest, ReportsMemoryOfAtLeastTheColumns) {
  RunTable table = build({make_run(1), make_run(2), make_run(3)});
  // Per run: id and three time stamps (8 bytes each), branch, actor, run number (4), event,
  // attempt (2), state (1).
  EXPECT_GE(table.memory_bytes(), 3 * (4 * 8 + 3 * 4 + 2 * 2 + 1));
}

TEST(RunTableTest, ColumnsHoldEachWorkflowsRunsByCreationTime) {
  RunRecord queued = make_run(2);  // created kT0 + 120, not completed
  queued.status = "queued";
  RunRecord dev = make_run(3);  // on dev, created first
  dev.head_branch = "dev";
  dev.created_at = kT0;
  dev.run_started_at = kT0 + 10;
  dev.updated_at = kT0 + 50;              // duration 50 - 10 = 40
  RunRecord clock_trouble = make_run(5);  // created kT0 + 300, completes before it starts
  clock_trouble.updated_at = clock_trouble.created_at;
  RunRecord lint = make_run(4);  // another workflow
  lint.workflow_id = 20;
  RunTable table = build({make_run(1), queued, dev, clock_trouble, lint});
  const engine::TableData& data = table.data();
  // CI (workflow 0): runs 3, 1, 2, 5 by created_at; Lint (workflow 1): run 4.
  EXPECT_EQ(data.workflow_begin, (std::vector<std::size_t>{0, 4, 5}));
  EXPECT_EQ(data.created_at,
            (std::vector<Timestamp>{kT0, kT0 + 60, kT0 + 120, kT0 + 300, kT0 + 240}));
  // make_run: duration = updated - started = (created + 100) - (created + 5) = 95.
  std::vector<std::int64_t> durations;
  for (std::size_t i = 0; i < data.size(); ++i) durations.push_back(data.duration(i));
  EXPECT_EQ(durations, (std::vector<std::int64_t>{40, 95, 95, -1, 95}));
  EXPECT_EQ(table.branches()[data.branch[0]], "dev");
  EXPECT_EQ(data.state[1], engine::RunState::kSuccess);
  EXPECT_EQ(data.state[2], engine::RunState::kUnfinished);
  EXPECT_TRUE(data.ranks_durations());
}

TEST(RunTableTest, IndexesEachStreamsIncidentsAtTheirFirstFailure) {
  // make_run(id): created kT0 + 60 id, completed 100 s later.
  auto on_dev = [](RunRecord run) {
    run.head_branch = "dev";
    return run;
  };
  RunTable table = build({make_run(1, "failure"), make_run(2, "timed_out"), make_run(3, "success"),
                          make_run(4, "failure"), on_dev(make_run(5, "failure")),
                          on_dev(make_run(6, "cancelled")), on_dev(make_run(7, "success"))});
  const engine::TableData& data = table.data();
  ASSERT_EQ(data.incidents.size(), 3u);
  EXPECT_EQ(data.incident_begin, (std::vector<std::size_t>{0, 3}));
  // main: 1..3 recovers in (kT0 + 280) - (kT0 + 160) = 120; 4 is still open.
  EXPECT_EQ(data.incidents[0].created_at, kT0 + 60);
  EXPECT_EQ(data.incidents[0].recovery, 120);
  EXPECT_EQ(data.incidents[1].created_at, kT0 + 240);
  EXPECT_EQ(data.incidents[1].recovery, -1);
  // dev: 5 recovers at 7 (the cancelled run in between changes nothing): 520 - 400 = 120.
  EXPECT_EQ(data.incidents[2].created_at, kT0 + 300);
  EXPECT_EQ(data.incidents[2].recovery, 120);
  EXPECT_EQ(table.branches()[data.incidents[2].branch], "dev");
}

TEST(RunTableTest, IncrementalBuildIndexesAgain) {
  RunRecord running = make_run(2);
  running.status = "in_progress";
  RunTable base = build({make_run(1, "failure"), running}, 1);
  ASSERT_EQ(base.data().sums_between(0, 2).completed, 1);  // run 2 is not completed yet
  EXPECT_EQ(base.data().incidents[0].recovery, -1);
  RunTableBuilder builder(base);
  builder.add(make_run(2, "success"));
  RunTable table = builder.build(2);
  const engine::TableData& data = table.data();
  EXPECT_EQ(data.sums_between(0, 2).completed, 2);
  ASSERT_EQ(data.incidents.size(), 1u);
  EXPECT_EQ(data.incidents[0].recovery, 60);  // completions kT0 + 220 - (kT0 + 160)
}

TEST(RunTableTest, LoadsEveryRunFromTheStore) {
  FakeStore store;
  std::vector<RunRecord> runs = {make_run(1), make_run(2), make_run(3)};
  ASSERT_TRUE(store.upsert_runs(runs));
  auto table = load_run_table(store);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(store.last_since, 0);
  EXPECT_EQ((*table)->size(), 3u);
  EXPECT_EQ((*table)->watermark(), 3);
}

TEST(RunTableTest, LoadsOnlyChangesOnTopOfABase) {
  FakeStore store;
  ASSERT_TRUE(store.upsert_runs(std::vector<RunRecord>{make_run(1), make_run(2)}));
  auto base = load_run_table(store);
  ASSERT_TRUE(base);
  RunRecord finished = make_run(2, "failure");
  ASSERT_TRUE(store.upsert_runs(std::vector<RunRecord>{finished, make_run(3)}));
  auto table = load_run_table(store, base->get());
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(store.last_since, 2);  // the base's watermark
  EXPECT_EQ(ids_of(**table), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ((*table)->row(1).outcome, Outcome::kFailed);
  EXPECT_EQ((*table)->watermark(), 4);
}

TEST(RunTableTest, LoadFailureNamesTheStore) {
  FakeStore store;
  store.broken = true;
  auto table = load_run_table(store);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().message, "loading runs from fake:memory: database is locked");
}

}  // namespace
}  // namespace cipette
