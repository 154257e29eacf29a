#include "fake_github/github_json.h"

#include <fmt/format.h>

#include <array>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "fake_github/fake_hash.h"

namespace cipette::fake_github {
namespace {

// "{Prefix}_" + a stable base-64-looking id, like GitHub's global node ids.
std::string node_id(std::string_view prefix, std::string_view key) {
  return std::string(prefix) + "_kwDO" + hex_digest(key, 12);
}

std::int64_t user_id(std::string_view login) {
  return static_cast<std::int64_t>(fnv1a(login) % 90000000) + 1;
}

const std::string null_json = "null";

// The URL fields of a minimal repository, in GitHub's order, after `url`.
constexpr std::array<std::pair<std::string_view, std::string_view>, 36> kRepositoryUrls = {{
    {"archive_url", "/{archive_format}{/ref}"},
    {"assignees_url", "/assignees{/user}"},
    {"blobs_url", "/git/blobs{/sha}"},
    {"branches_url", "/branches{/branch}"},
    {"collaborators_url", "/collaborators{/collaborator}"},
    {"comments_url", "/comments{/number}"},
    {"commits_url", "/commits{/sha}"},
    {"compare_url", "/compare/{base}...{head}"},
    {"contents_url", "/contents/{+path}"},
    {"contributors_url", "/contributors"},
    {"deployments_url", "/deployments"},
    {"downloads_url", "/downloads"},
    {"events_url", "/events"},
    {"forks_url", "/forks"},
    {"git_commits_url", "/git/commits{/sha}"},
    {"git_refs_url", "/git/refs{/sha}"},
    {"git_tags_url", "/git/tags{/sha}"},
    {"git_url", ""},  // special-cased: git:github.com/owner/name.git
    {"issue_comment_url", "/issues/comments{/number}"},
    {"issue_events_url", "/issues/events{/number}"},
    {"issues_url", "/issues{/number}"},
    {"keys_url", "/keys{/key_id}"},
    {"labels_url", "/labels{/name}"},
    {"languages_url", "/languages"},
    {"merges_url", "/merges"},
    {"milestones_url", "/milestones{/number}"},
    {"notifications_url", "/notifications{?since,all,participating}"},
    {"pulls_url", "/pulls{/number}"},
    {"releases_url", "/releases{/id}"},
    {"ssh_url", ""},  // special-cased: git@github.com:owner/name.git
    {"stargazers_url", "/stargazers"},
    {"statuses_url", "/statuses/{sha}"},
    {"subscribers_url", "/subscribers"},
    {"subscription_url", "/subscription"},
    {"tags_url", "/tags"},
    {"teams_url", "/teams"},
}};

void add_repository_urls(Json& repo, const std::string& full_name, const std::string& api_url) {
  for (const auto& [key, suffix] : kRepositoryUrls) {
    if (key == "git_url") {
      repo[key] = "git:github.com/" + full_name + ".git";
    } else if (key == "ssh_url") {
      repo[key] = "git@github.com:" + full_name + ".git";
    } else {
      repo[key] = api_url + std::string(suffix);
    }
  }
  repo["trees_url"] = api_url + "/git/trees{/sha}";
  repo["hooks_url"] = api_url + "/hooks";
}

void add_listing_fields(Json& repo, const RepositoryInfo& repository) {
  repo["clone_url"] = "https://github.com/" + repository.full_name + ".git";
  repo["default_branch"] = "main";
  repo["archived"] = false;
  repo["disabled"] = false;
  repo["visibility"] = repository.is_private ? "private" : "public";
  repo["pushed_at"] = format_timestamp(repository.created_at);
  repo["created_at"] = format_timestamp(repository.created_at);
  repo["updated_at"] = format_timestamp(repository.created_at);
  repo["permissions"] = {
      {"admin", false}, {"maintain", false}, {"push", false}, {"triage", false}, {"pull", true}};
}

constexpr std::array<std::string_view, 6> kCommitMessages = {
    "Fix flaky integration test", "Bump dependencies",      "Add retry to uploader",
    "Update README.md",           "Refactor build scripts", "Speed up the test matrix",
};

// Appends a JSON object, field by field, to a string: the run objects are written this way
// rather than through nlohmann::json because pages of 100 runs (~1 MB) are served per request.
// Keys are trusted literals; string values are escaped.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ~ObjectWriter() { out_ += '}'; }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  ObjectWriter& raw(std::string_view key, std::string_view json) {
    start(key);
    out_ += json;
    return *this;
  }
  ObjectWriter& text(std::string_view key, std::string_view value) {
    start(key);
    append_quoted(value);
    return *this;
  }
  ObjectWriter& text_or_null(std::string_view key, std::string_view value) {
    return value.empty() ? raw(key, "null") : text(key, value);
  }
  ObjectWriter& number(std::string_view key, std::int64_t value) {
    return raw(key, std::to_string(value));
  }

 private:
  void start(std::string_view key) {
    if (out_.back() != '{') out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  void append_quoted(std::string_view value) {
    out_ += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        out_ += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }

  std::string& out_;
};

std::string_view commit_message(const RunRecord& run) {
  return kCommitMessages[fnv1a(run.head_sha) % kCommitMessages.size()];
}

std::string head_commit_text(const RunRecord& run) {
  const std::string author = run.actor.empty() ? "octocat" : run.actor;
  std::string out;
  {
    ObjectWriter commit(out);
    commit.text("id", run.head_sha)
        .text("tree_id", hex_digest("tree:" + run.head_sha, 40))
        .text("message", commit_message(run))
        .text("timestamp", format_timestamp(run.created_at - 60));
    std::string author_text;
    ObjectWriter(author_text)
        .text("name", author)
        .text("email", author + "@users.noreply.github.com");
    commit.raw("author", author_text)
        .raw("committer", R"({"name":"GitHub","email":"noreply@github.com"})");
  }
  return out;
}

// Serialised pieces shared by many runs, keyed by API base and identity.
class PieceCache {
 public:
  // The piece for `key`, made on first use. References stay valid: entries are never erased.
  const std::string& get(const std::string& key, const std::function<std::string()>& make) {
    {
      std::lock_guard lock(mutex_);
      const auto it = pieces_.find(key);
      if (it != pieces_.end()) return it->second;
    }
    std::string piece = make();
    std::lock_guard lock(mutex_);
    return pieces_.emplace(key, std::move(piece)).first->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> pieces_;
};

PieceCache& piece_cache() {
  static PieceCache cache;
  return cache;
}

const std::string& cached_user(const std::string& login, std::string_view api_base) {
  return piece_cache().get(std::string(api_base) + "\nuser\n" + login,
                           [&] { return user_json(login, api_base).dump(); });
}

const std::string& cached_repository(const RepositoryInfo& repository, std::string_view api_base) {
  const std::string key = fmt::format("{}\nrepo\n{}\n{}\n{}", api_base, repository.id,
                                      repository.full_name, repository.is_private);
  return piece_cache().get(key, [&] { return repository_json(repository, api_base).dump(); });
}

}  // namespace

Json user_json(std::string_view login, std::string_view api_base) {
  const std::string name(login);
  const std::string api_url = std::string(api_base) + "/users/" + name;
  const std::int64_t id = user_id(login);
  return Json{{"login", name},
              {"id", id},
              {"node_id", node_id("U", name)},
              {"avatar_url", "https://avatars.githubusercontent.com/u/" + std::to_string(id)},
              {"gravatar_id", ""},
              {"url", api_url},
              {"html_url", "https://github.com/" + name},
              {"followers_url", api_url + "/followers"},
              {"following_url", api_url + "/following{/other_user}"},
              {"gists_url", api_url + "/gists{/gist_id}"},
              {"starred_url", api_url + "/starred{/owner}{/repo}"},
              {"subscriptions_url", api_url + "/subscriptions"},
              {"organizations_url", api_url + "/orgs"},
              {"repos_url", api_url + "/repos"},
              {"events_url", api_url + "/events{/privacy}"},
              {"received_events_url", api_url + "/received_events"},
              {"type", login.find("[bot]") != std::string_view::npos ? "Bot" : "User"},
              {"site_admin", false}};
}

Json repository_json(const RepositoryInfo& repository, std::string_view api_base, bool listing) {
  const std::string& full_name = repository.full_name;
  const std::size_t slash = full_name.find('/');
  const std::string api_url = std::string(api_base) + "/repos/" + full_name;
  Json repo{{"id", repository.id},
            {"node_id", node_id("R", full_name)},
            {"name", full_name.substr(slash + 1)},
            {"full_name", full_name},
            {"owner", user_json(full_name.substr(0, slash), api_base)},
            {"private", repository.is_private},
            {"html_url", "https://github.com/" + full_name},
            {"description", "Generated by the fake GitHub server"},
            {"fork", false},
            {"url", api_url}};
  add_repository_urls(repo, full_name, api_url);
  if (listing) add_listing_fields(repo, repository);
  return repo;
}

void append_run_json(std::string& out, const RunRecord& run, const RepositoryInfo& repository,
                     std::string_view api_base) {
  const std::string id = std::to_string(run.id);
  const std::string repo_url = std::string(api_base) + "/repos/" + repository.full_name;
  const std::string run_url = repo_url + "/actions/runs/" + id;
  const std::string& actor = run.actor.empty() ? null_json : cached_user(run.actor, api_base);
  const std::string& repo = cached_repository(repository, api_base);
  ObjectWriter(out)
      .number("id", run.id)
      .text("name", run.workflow_name)
      .text("node_id", node_id("WFR", id))
      .number("check_suite_id", run.id * 2)
      .text("check_suite_node_id", node_id("CS", id))
      .text_or_null("head_branch", run.head_branch)
      .text("head_sha", run.head_sha)
      .text("path", run.path)
      .number("run_number", run.run_number)
      .text("event", run.event)
      .text("display_title", commit_message(run))
      .text("status", run.status)
      .text_or_null("conclusion", run.conclusion)
      .number("workflow_id", run.workflow_id)
      .text("url", run_url)
      .text("html_url", run.html_url)
      .raw("pull_requests", "[]")
      .text("created_at", format_timestamp(run.created_at))
      .text("updated_at", format_timestamp(run.updated_at))
      .raw("actor", actor)
      .number("run_attempt", run.run_attempt)
      .text_or_null("run_started_at",
                    run.run_started_at ? format_timestamp(*run.run_started_at) : "")
      .raw("triggering_actor", actor)
      .text("jobs_url", run_url + "/jobs")
      .text("logs_url", run_url + "/logs")
      .text("check_suite_url", repo_url + "/check-suites/" + std::to_string(run.id * 2))
      .text("artifacts_url", run_url + "/artifacts")
      .text("cancel_url", run_url + "/cancel")
      .text("rerun_url", run_url + "/rerun")
      .text_or_null(
          "previous_attempt_url",
          run.run_attempt > 1 ? run_url + "/attempts/" + std::to_string(run.run_attempt - 1) : "")
      .text("workflow_url", repo_url + "/actions/workflows/" + std::to_string(run.workflow_id))
      .raw("head_commit", head_commit_text(run))
      .raw("repository", repo)
      .raw("head_repository", repo);
}

Json rate_limit_json(const RateLimit& core) {
  const Json numbers{{"limit", core.limit},
                     {"used", core.used},
                     {"remaining", core.remaining},
                     {"reset", core.reset}};
  auto fixed = [&](std::int64_t limit) {
    return Json{{"limit", limit}, {"used", 0}, {"remaining", limit}, {"reset", core.reset}};
  };
  return Json{{"resources",
               {{"core", numbers},
                {"search", fixed(30)},
                {"graphql", fixed(5000)},
                {"integration_manifest", fixed(5000)},
                {"source_import", fixed(100)},
                {"actions_runner_registration", fixed(10000)},
                {"scim", fixed(15000)},
                {"dependency_snapshots", fixed(100)},
                {"code_search", fixed(10)},
                {"code_scanning_autofix", fixed(10)}}},
              {"rate", numbers}};
}

Json error_json(std::string_view message, std::string_view documentation_url) {
  return Json{{"message", message}, {"documentation_url", documentation_url}};
}

}  // namespace cipette::fake_github
