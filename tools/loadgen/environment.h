#pragma once

// Where the load generator finds what it drives: the servers `tools/parta bench` starts and the
// project's binaries beside its own.

#include <string>

namespace parta::loadgen {

struct Environment {
  std::string pg_uri;     // a Postgres the run may create schemas in (PARTA_BENCH_PG)
  std::string redis_uri;  // Parta's Redis (PARTA_BENCH_REDIS)
  std::string messaging_binary;
  std::string gateway_binary;
  std::string results_dir = ".";
  bool quick = false;
};

}  // namespace parta::loadgen
