// DATABASE_URL forms accepted by open_store, and the rule that messages never show a password.
// (Opening a reachable PostgreSQL server is tested in postgres_store_test.cc.)

#include "cipette/storage/store_factory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "store_contract.h"
#include "support/test_support.h"

namespace cipette::storage {
namespace {

using cipette::testing::TempDir;
using contract::unused_port;

std::string open_error(const std::string& url) {
  auto store = open_store(url);
  return store ? "<opened " + (*store)->describe() + ">" : store.error().message;
}

TEST(StoreFactoryTest, APlainPathOpensSqlite) {
  TempDir dir;
  std::string path = dir.file("plain.db");
  auto store = open_store(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->describe(), "sqlite:" + path);
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(StoreFactoryTest, SqliteColonPathOpensThatPath) {
  TempDir dir;
  std::string path = dir.file("colon.db");
  auto store = open_store("sqlite:" + path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->describe(), "sqlite:" + path);
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(StoreFactoryTest, SqliteUrlWithThreeSlashesNamesAnAbsolutePath) {
  TempDir dir;
  std::string path = dir.file("url.db");  // absolute: "/tmp/..."
  ASSERT_EQ(path.front(), '/');
  auto store = open_store("sqlite://" + path);  // "sqlite:///tmp/..."
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->describe(), "sqlite:" + path);
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(StoreFactoryTest, AnEmptyUrlIsAnError) {
  EXPECT_EQ(open_error(""), "DATABASE_URL: is empty; expected a file path or sqlite:PATH");
  EXPECT_EQ(open_error("sqlite:"), "DATABASE_URL: no path after \"sqlite:\"");
  EXPECT_EQ(open_error("sqlite://"), "DATABASE_URL: no path after \"sqlite:\"");
}

TEST(StoreFactoryTest, PostgresqlUrlsOpenPostgresqlAndTheirErrorsNeverShowThePassword) {
  std::string port = std::to_string(unused_port());
  std::string refused = "cannot connect to PostgreSQL at 127.0.0.1:" + port +
                        " database \"cipette\": connection refused";
  EXPECT_EQ(open_error("postgresql://user:s3cret@127.0.0.1:" + port + "/cipette"), refused);
  EXPECT_EQ(open_error("postgres://user:s3cret@127.0.0.1:" + port + "/cipette"), refused);
  // Percent-encoded separators in the password, a password in the query, key=value pairs.
  for (const std::string& url :
       {"postgresql://user:p%40ss%2Fw%3Ard@127.0.0.1:" + port + "/cipette",
        "postgresql://user@127.0.0.1:" + port + "/cipette?password=s3cret&sslmode=disable",
        "host=127.0.0.1 port=" + port + " dbname=cipette user=user password='s3cret'"}) {
    std::string message = open_error(url);
    EXPECT_EQ(message, refused) << url;
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
    EXPECT_EQ(message.find("p%40ss"), std::string::npos) << message;
  }
}

TEST(StoreFactoryTest, OtherSchemesAreRejectedByNameWithoutThePassword) {
  std::string mysql = open_error("mysql://root:pw123@localhost/ci");
  EXPECT_EQ(mysql.rfind("DATABASE_URL: unsupported scheme \"mysql\"", 0), 0U) << mysql;
  EXPECT_EQ(mysql.find("pw123"), std::string::npos) << mysql;
  std::string http = open_error("http://example.com/db");
  EXPECT_EQ(http.rfind("DATABASE_URL: unsupported scheme \"http\"", 0), 0U) << http;
}

TEST(StoreFactoryTest, OpenErrorsOfTheFileAreReported) {
  TempDir dir;
  cipette::testing::write_file(dir.file("file"), "x");
  std::string path = dir.file("file/sub.db");
  std::string message = open_error("sqlite:" + path);
  EXPECT_EQ(message.rfind("opening database " + path + ": ", 0), 0U) << message;
}

}  // namespace
}  // namespace cipette::storage
