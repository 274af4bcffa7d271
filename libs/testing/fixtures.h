#pragma once

// Fixtures for tests against the real PostgreSQL and Redis that the test command starts
// (PARTA_TEST_PG, PARTA_TEST_REDIS). Without them a test is skipped with a warning, except
// under CI=true, where it fails: integration tests never skip silently in CI.

#include <memory>
#include <optional>
#include <string>

#include "libs/pg/pool.h"

namespace parta::testing {

// A schema of its own for one test, dropped afterwards. Connections made with `uri()` see only
// this schema (search_path), so migrations and data never leak between tests.
class TestSchema {
 public:
  // nullptr when no test server is configured (and the test should return).
  static std::unique_ptr<TestSchema> Create();
  ~TestSchema();

  const std::string& uri() const { return uri_; }
  const std::string& name() const { return name_; }
  // A pool over this schema.
  std::unique_ptr<pg::Pool> MakePool(size_t size = 4) const;

 private:
  TestSchema(std::string server_uri, std::string name);

  std::string server_uri_;
  std::string name_;
  std::string uri_;
};

// The server URIs, or nullopt (after failing the test under CI=true).
std::optional<std::string> TestPostgresUri();
std::optional<std::string> TestRedisUri();

}  // namespace parta::testing

// Declares `var`, a fresh TestSchema, or returns from the test when there is no server.
#define PARTA_TEST_SCHEMA(var)                                     \
  auto var = ::parta::testing::TestSchema::Create();               \
  if (!var) return
