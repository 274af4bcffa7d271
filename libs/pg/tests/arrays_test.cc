#include "libs/pg/arrays.h"

#include <catch2/catch.hpp>

#include "libs/pg/pool.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/status_matchers.h"

namespace parta::pg {
namespace {

TEST_CASE("Text arrays reach Postgres element for element, whatever the text",
          "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = schema->MakePool();
  const std::vector<std::string> items = {
      "",     "plain",      "with \"quotes\"", "back\\slash",      "{braces},commas",
      "NULL", "Привет, 5А", " spaced ",        "tab\tand\nnewline"};
  absl::StatusOr<std::vector<std::string>> back =
      pool->TransactFor<std::vector<std::string>>([&](pqxx::work& tx) {
        std::vector<std::string> out;
        for (const pqxx::row& row :
             tx.exec_params("SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS t(x, n) "
                            "ORDER BY n",
                            TextArray(items))) {
          out.push_back(row[0].as<std::string>());
        }
        return out;
      });
  REQUIRE_OK(back);
  CHECK(*back == items);
}

TEST_CASE("Number arrays and hex bytes round-trip", "[pg][integration]") {
  PARTA_TEST_SCHEMA(schema);
  auto pool = schema->MakePool();
  const std::string bytes("\x00\xff\x10 z", 5);
  absl::StatusOr<std::pair<int64_t, std::string>> back =
      pool->TransactFor<std::pair<int64_t, std::string>>([&](pqxx::work& tx) {
        pqxx::row sum = tx.exec_params1("SELECT sum(x)::bigint FROM unnest($1::bigint[]) AS x",
                                        Int64Array({1, -2, 9'000'000'000}));
        pqxx::row decoded = tx.exec_params1("SELECT decode(x, 'hex') FROM unnest($1::text[]) AS x",
                                            TextArray({Hex(bytes)}));
        return std::make_pair(sum[0].as<int64_t>(), pqxx::binarystring(decoded[0]).str());
      });
  REQUIRE_OK(back);
  CHECK(back->first == 8'999'999'999);
  CHECK(back->second == bytes);
  CHECK(Int64Array({}) == "{}");
  CHECK(TextArray({}) == "{}");
}

}  // namespace
}  // namespace parta::pg
