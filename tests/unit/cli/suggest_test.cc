// Suggestions for mistyped names: the edit distance and which names it offers.
#include "cipette/cli/suggest.h"

#include <gtest/gtest.h>

namespace cipette::cli {
namespace {

TEST(CliSuggestTest, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  // kitten -> sitten (k/s) -> sittin (e/i) -> sitting (+g).
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("colect", "collect"), 1u);  // one l inserted
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  // flaw -> law (-f) -> lawn (+n).
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(edit_distance("serve", "serve"), 0u);
}

TEST(CliSuggestTest, NearestNameOffersOnlyANameNearEnoughToBeATypo) {
  std::vector<std::string> commands = {"metrics", "import", "demo", "serve", "collect", "db"};
  EXPECT_EQ(nearest_name("colect", commands), "collect");
  EXPECT_EQ(nearest_name("mertics", commands), "metrics");  // 2 of 7 characters: within 3
  EXPECT_EQ(nearest_name("srve", commands), "serve");
  // "xyz" is 2 from "db" and a third of 3 characters is 1.
  EXPECT_EQ(nearest_name("xyz", commands), std::nullopt);
  EXPECT_EQ(nearest_name("status", commands), std::nullopt);  // 4 from "serve", limit 2
}

TEST(CliSuggestTest, NearestNamesListsTheClosestFirstAndCountsTheRest) {
  std::vector<std::string> repositories = {"octo/lib", "octo/app", "zeta/x", "octo/api"};
  // octo/api and octo/app are 1 away (alphabetical between them), octo/lib 3, zeta/x more.
  EXPECT_EQ(nearest_names("octo/ap", repositories, 2), "octo/api, octo/app and 2 more");
  EXPECT_EQ(nearest_names("octo/lib", repositories, 4), "octo/lib, octo/api, octo/app, zeta/x");
  EXPECT_EQ(nearest_names("x", {}, 5), "none");
}

}  // namespace
}  // namespace cipette::cli
