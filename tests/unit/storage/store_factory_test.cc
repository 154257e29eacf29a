// DATABASE_URL forms accepted by open_store, and the rule that messages never show a password.

#include "cipette/storage/store_factory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/test_support.h"

namespace cipette::storage {
namespace {

using cipette::testing::TempDir;

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

TEST(StoreFactoryTest, PostgresqlIsNotSupportedYetAndThePasswordIsNeverShown) {
  EXPECT_EQ(open_error("postgresql://user:s3cret@db.example.com:5432/cipette"),
            "DATABASE_URL: PostgreSQL is not supported yet "
            "(postgresql://user@db.example.com:5432/cipette)");
  EXPECT_EQ(open_error("postgres://user:s3cret@host/db"),
            "DATABASE_URL: PostgreSQL is not supported yet (postgres://user@host/db)");
  EXPECT_EQ(open_error("postgresql://user@host/db"),
            "DATABASE_URL: PostgreSQL is not supported yet (postgresql://user@host/db)");
  EXPECT_EQ(open_error("postgresql://host/db"),
            "DATABASE_URL: PostgreSQL is not supported yet (postgresql://host/db)");
}

TEST(StoreFactoryTest, PasswordsWithSeparatorsOrInTheQueryAreRedactedToo) {
  const std::string expected =
      "DATABASE_URL: PostgreSQL is not supported yet (postgresql://user@host/db)";
  // The password runs from the first ':' of the user part to the last '@'.
  EXPECT_EQ(open_error("postgresql://user:p@ss/w:rd@host/db"), expected);
  EXPECT_EQ(open_error("postgresql://user:pa?ss@host/db"), expected);
  // libpq also takes password=... as a query parameter: the query is never shown.
  EXPECT_EQ(open_error("postgresql://user@host/db?password=s3cret&sslmode=require"), expected);
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
