#include "libs/testing/fixtures.h"

#include <catch2/catch.hpp>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"

namespace parta::testing {
namespace {

std::optional<std::string> Required(const char* variable) {
  const char* value = std::getenv(variable);
  if (value != nullptr && *value != '\0') return std::string(value);
  const char* ci = std::getenv("CI");
  if (ci != nullptr && absl::string_view(ci) == "true") {
    FAIL(variable << " is not set: integration tests need the servers of `tools/parta test`");
  }
  WARN("skipped: " << variable << " is not set (run through `tools/parta test`)");
  return std::nullopt;
}

}  // namespace

std::optional<std::string> TestPostgresUri() { return Required("PARTA_TEST_PG"); }
std::optional<std::string> TestRedisUri() { return Required("PARTA_TEST_REDIS"); }

std::unique_ptr<TestSchema> TestSchema::Create() {
  std::optional<std::string> server = TestPostgresUri();
  if (!server) return nullptr;
  std::string name = absl::StrCat("t_", absl::BytesToHexString(RandomBytes(8)));
  pqxx::connection connection(*server);
  pqxx::nontransaction(connection).exec(absl::StrCat("CREATE SCHEMA ", name));
  return std::unique_ptr<TestSchema>(new TestSchema(*server, name));
}

TestSchema::TestSchema(std::string server_uri, std::string name)
    : server_uri_(std::move(server_uri)),
      name_(std::move(name)),
      uri_(absl::StrCat(server_uri_, " options=-csearch_path=", name_)) {}

TestSchema::~TestSchema() {
  try {
    pqxx::connection connection(server_uri_);
    pqxx::nontransaction(connection).exec(absl::StrCat("DROP SCHEMA ", name_, " CASCADE"));
  } catch (const std::exception&) {
    // A server that went away takes the schema with it.
  }
}

std::unique_ptr<pg::Pool> TestSchema::MakePool(size_t size) const {
  return std::make_unique<pg::Pool>(pg::Pool::Options{.uri = uri_, .size = size});
}

}  // namespace parta::testing
