#pragma once

// The benchmarks of the foundation (scenarios S4 and S5), each beside its reference in one run.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/bench/core/child.h"

namespace parta::bench {

struct Settings {
  bool quick = false;
  int runs = 3;                          // per system, alternated A B A B …
  absl::Duration duration = absl::Seconds(5);
  std::string results_dir = ".";
  std::string identity_binary;           // parta-identity
  std::string gateway_binary;            // parta-gateway
  std::string directory_binary;          // parta-directory
  std::string messaging_binary;          // parta-messaging
  std::string signaling_binary;          // parta-signaling
  std::string content_binary;            // parta-content
  std::string self;                      // this executable, to start the echo servers
  std::string pg_uri;                    // a database the benchmark may create schemas in
  std::string redis_uri;
};

// S4 (token checks): TokenVerifier on distinct tokens vs `openssl speed ed25519` verify, one core.
int BenchTokens(const Settings& settings);
// S5: authenticated unary RPC vs a bare echo server; GetMe vs echo + one-row select.
int BenchRpc(const Settings& settings);
// S4 (logins): Login RPCs vs the bare argon2id verify loop, same parameters and threads.
int BenchLogin(const Settings& settings);
// S6, S4b and memory: the gateway's /healthz vs nginx, GET /v1/me vs the limit of its hops,
// p99 in the open loop, and resident memory per idle authenticated WebSocket.
int BenchGateway(const Settings& settings);

// The directory's permission checks over 10,000 (subject, resource) pairs and a 30-student roster
// read, beside the bare echo.
int BenchDirectory(const Settings& settings);

// S8: acknowledged durable sends over 1,000 chats beside pgbench writing the same rows.
int BenchMessaging(const Settings& settings);

// S9: 100 lessons x 25 pupils join through the gateway (JoinCall + PublishMedia until Janus's
// answer) beside the same joins straight against Janus's API, and one relayed signalling message
// (SendSignal to the peer's WebSocket) at 1,000 messages/s.
int BenchCalls(const Settings& settings);

// S10: a 1 MiB and a 100 MiB file downloaded through the gateway over 32 connections (whole and
// by 1 MiB ranges) beside nginx serving the same bytes with sendfile; 100 MiB tus uploads beside
// write + fsync of the same bytes; the gateway's and content's memory per transfer.
int BenchContent(const Settings& settings);

// A school behind one address: `count` people log in through the gateway (default rate limits)
// from one client address at once, retrying what is refused; the time until all are in beside
// the bare argon2id rate of the same parameters.
int BenchSchoolLogin(const Settings& settings);

// Registers and logs in `count` users on the identity service at `identity_port`; their access
// tokens (one session each). Their logins are "user<i>@bench.parta.ru" with kPassword.
absl::StatusOr<std::vector<std::string>> SignUpUsers(int identity_port, int count);
extern const std::string kPassword;

// The regional door: a 2,000-pupil roster sync, first and identical again, beside the CSV import
// of the same pupils (regional_scenarios.cc).
int BenchRegional(const Settings& settings);
// The ESIA sign-in round trip through the emulator beside `openssl speed rsa2048`
// (esia_scenario.cc).
int BenchEsiaSignIn(const Settings& settings);

// People's data: a pupil's erasure with 10,000 messages until every service is done, beside the
// same rows changed by bare SQL; password-recovery requests from one address and from many,
// beside the bare echo (people_scenarios.cc).
int BenchPeople(const Settings& settings);

// A file holding a fresh master key for an identity under test.
std::string WriteMasterKey();

// Runs the identity binary's `migrate`, then starts it on a schema of its own with `env`.
absl::StatusOr<Child> StartIdentity(const Settings& settings,
                                    std::map<std::string, std::string> env);

// One `SELECT $1::int` on this thread's own connection: the Postgres hop of the hop limits.
bool SelectOneRow(const std::string& pg_uri);

// An identity service on a schema of its own with cheap password hashing and no address
// throttle, for benchmarks that need signed-in users.
absl::StatusOr<Child> StartIdentityForBench(const Settings& settings);

}  // namespace parta::bench
