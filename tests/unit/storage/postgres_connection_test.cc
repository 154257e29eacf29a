// The libpq wrapper's rule for lost connections: a statement whose error ends the session
// marks the connection broken, whatever libpq's own status says, so that the store replaces
// it; any other error leaves the connection in use. A COPY stopped early is cancelled on the
// server and leaves it in use too.

#include "cipette/storage/postgres_connection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/postgres_scratch.h"

namespace cipette::storage {
namespace {

using cipette::testing::PostgresScratch;

// A statement failing with SQLSTATE `code` (ERROR severity: the server keeps the session).
std::string raise(const std::string& code) {
  return "DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '" + code + "'; END $$";
}

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = PostgresScratch::create_or_skip();
    if (!scratch_) return;
    auto connected = PgConnection::connect(scratch_->url());
    ASSERT_TRUE(connected) << connected.error().message;
    connection_ = std::move(*connected);
  }

  std::optional<PostgresScratch> scratch_;
  std::unique_ptr<PgConnection> connection_;
};

TEST_F(PgConnectionTest, AnOrdinaryErrorLeavesTheConnectionInUse) {
  if (!scratch_) return;
  auto failed = connection_->exec(raise("22012"), "dividing");  // division_by_zero
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "dividing: raised");
  EXPECT_FALSE(connection_->broken());
  EXPECT_TRUE(connection_->exec("SELECT 1", "selecting"));
}

TEST_F(PgConnectionTest, ConnectionExceptionsAndShutdownsMarkTheConnectionLost) {
  if (!scratch_) return;
  // 08006 connection_failure, 08003 connection_does_not_exist, 57P01 admin_shutdown,
  // 57P02 crash_shutdown, 57P03 cannot_connect_now.
  for (const char* code : {"08006", "08003", "57P01", "57P02", "57P03"}) {
    auto failed = connection_->exec(raise(code), "raising");
    ASSERT_FALSE(failed) << code;
    EXPECT_TRUE(connection_->broken()) << code;
    EXPECT_FALSE(connection_->exec("SELECT 1", "selecting")) << code;
    std::uint64_t session = connection_->session();
    ASSERT_TRUE(connection_->reconnect()) << code;
    EXPECT_FALSE(connection_->broken()) << code;
    EXPECT_EQ(connection_->session(), session + 1) << code;
  }
}

// A hundred million rows would take minutes to read to their end; the cancel stops the
// server within moments.
TEST_F(PgConnectionTest, AStoppedCopyIsCancelledAndLeavesTheConnectionInUse) {
  if (!scratch_) return;
  int pid = connection_->backend_pid();
  ASSERT_TRUE(connection_->exec("BEGIN", "beginning"));
  int rows = 0;
  auto start = std::chrono::steady_clock::now();
  auto copied = connection_->copy_out(
      "COPY (SELECT generate_series(1, 100000000)) TO STDOUT",
      [&](std::string_view row) -> Result<ScanStep> {
        EXPECT_EQ(row, "1\n");
        ++rows;
        return ScanStep::kStop;
      },
      "copying");
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(*copied, ScanStep::kStop);
  EXPECT_EQ(rows, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_FALSE(connection_->broken());
  // The cancel came before the end, so it aborted the transaction.
  auto aborted = connection_->exec("SELECT 1", "selecting");
  ASSERT_FALSE(aborted);
  EXPECT_NE(aborted.error().message.find("current transaction is aborted"), std::string::npos)
      << aborted.error().message;
  ASSERT_TRUE(connection_->exec("ROLLBACK", "rolling back"));
  EXPECT_TRUE(connection_->exec("SELECT 1", "selecting"));
  EXPECT_EQ(connection_->backend_pid(), pid);
  EXPECT_EQ(connection_->session(), 1U);
}

TEST_F(PgConnectionTest, ATerminatedBackendMarksTheConnectionLost) {
  if (!scratch_) return;
  ASSERT_TRUE(scratch_->terminate_backend(connection_->backend_pid()));
  EXPECT_FALSE(connection_->exec("SELECT 1", "selecting"));
  EXPECT_TRUE(connection_->broken());
}

}  // namespace
}  // namespace cipette::storage
