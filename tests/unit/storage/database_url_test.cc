#include "cipette/storage/database_url.h"

#include <gtest/gtest.h>

namespace cipette::storage {
namespace {

TEST(DatabaseUrlTest, PathsAndSqliteSchemesNameAFile) {
  EXPECT_EQ(parse_database_url("data/cipette.db")->target, "data/cipette.db");
  EXPECT_EQ(parse_database_url("sqlite:data/x.db")->target, "data/x.db");
  EXPECT_EQ(parse_database_url("sqlite:///abs/x.db")->target, "/abs/x.db");
  EXPECT_EQ(parse_database_url("sqlite:data/x.db")->kind, DatabaseUrl::Kind::kSqlite);
  EXPECT_EQ(parse_database_url("postgresql://u@h/db")->kind, DatabaseUrl::Kind::kPostgres);
  EXPECT_EQ(parse_database_url("postgres://u@h/db")->kind, DatabaseUrl::Kind::kPostgres);
}

TEST(DatabaseUrlTest, EmptyAndUnknownSchemesAreRejectedWithoutThePassword) {
  auto empty = parse_database_url("");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("DATABASE_URL"), std::string::npos);
  auto mysql = parse_database_url("mysql://root:hunter2@db.example/ci");
  ASSERT_FALSE(mysql);
  EXPECT_NE(mysql.error().message.find("\"mysql\""), std::string::npos);
  EXPECT_EQ(mysql.error().message.find("hunter2"), std::string::npos) << mysql.error().message;
}

TEST(DatabaseUrlTest, RedactionDropsEveryPartOfThePassword) {
  EXPECT_EQ(redact_database_url("postgresql://user:secret@host:5432/db"),
            "postgresql://user@host:5432/db");
  // A password holding '/', ':' and '@' is dropped whole.
  EXPECT_EQ(redact_database_url("postgresql://u:p@ss/w:rd@h/db"), "postgresql://u@h/db");
  // A password in the query is dropped with the query.
  EXPECT_EQ(redact_database_url("postgresql://u@h/db?password=x&sslmode=require"),
            "postgresql://u@h/db");
  EXPECT_EQ(redact_database_url("postgresql://h/db"), "postgresql://h/db");
  EXPECT_EQ(redact_database_url("data/cipette.db"), "data/cipette.db");
}

TEST(DatabaseUrlTest, LibpqKeyValueStringsNamePostgresql) {
  auto pairs = parse_database_url("host=db.example port=5432 dbname=cipette");
  ASSERT_TRUE(pairs);
  EXPECT_EQ(pairs->kind, DatabaseUrl::Kind::kPostgres);
  EXPECT_EQ(pairs->target, "host=db.example port=5432 dbname=cipette");
  EXPECT_EQ(parse_database_url(" dbname = cipette")->kind, DatabaseUrl::Kind::kPostgres);
  // A path that merely holds '=' is still a file.
  EXPECT_EQ(parse_database_url("data/a=b.db")->kind, DatabaseUrl::Kind::kSqlite);
  EXPECT_EQ(parse_database_url("weird=name.db")->kind, DatabaseUrl::Kind::kSqlite);
}

TEST(DatabaseUrlTest, RedactionDropsThePasswordPairOfAKeyValueString) {
  EXPECT_EQ(redact_database_url("host=db password=s3cret user=ci"), "host=db user=ci");
  EXPECT_EQ(redact_database_url("host=db password = 'it\\'s a b' user=ci"), "host=db user=ci");
  EXPECT_EQ(redact_database_url("password='a b c' dbname=cipette"), "dbname=cipette");
}

}  // namespace
}  // namespace cipette::storage
