// A school behind one address (the issue of logins at 8:25): every pupil and teacher of a school
// logs in at once through the gateway, all from the school's one NAT address (seen through a
// trusted proxy as X-Forwarded-For), with the gateway's default rate limits and identity's
// production password hashing. A client refused with 429 or 503 tries again after a second, as
// apps do. Reported: the time until everyone is in, the most attempts anyone needed, and the
// logins per second beside the bare argon2id verify rate of the same parameters and threads.

#include <sodium.h>

#include <algorithm>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tools/bench/core/child.h"
#include "tools/bench/core/cpu.h"
#include "tools/bench/core/http_load.h"
#include "tools/bench/core/load.h"
#include "tools/bench/core/report.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {
namespace {

constexpr char kSchoolAddress[] = "203.0.113.50";
constexpr absl::Duration kRetryAfter = absl::Seconds(1);
constexpr absl::Duration kGiveUp = absl::Minutes(3);

std::string LoginRequest(int user) {
  const std::string body = nlohmann::json{
      {"login", absl::StrCat("user", user, "@bench.parta.ru")},
      {"password", kPassword},
      {"device",
       "школьный компьютер"}}.dump();
  return absl::StrCat("POST /v1/sessions:login HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                      "Content-Type: application/json\r\nX-Forwarded-For: ", kSchoolAddress,
                      "\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
}

struct StormResult {
  absl::Duration all_in = absl::InfiniteDuration();  // until the last login succeeded
  int max_attempts = 0;
  int refused = 0;                      // 429, 503 and 504 answers, each followed by a retry
  std::map<std::string, int> refusals;  // by status and reason
  int failed = 0;                       // other answers: those people never got in
};

// The reason of an error answer's JSON, "" when there is none.
std::string ReasonOf(const std::string& body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object()) return "";
  const nlohmann::json& error = parsed["error"];
  return error.contains("reason") && error["reason"].is_string()
             ? error["reason"].get<std::string>()
             : "";
}

// Everyone at once; refused logins again after kRetryAfter.
StormResult LoginStorm(HttpLoad& client, int people) {
  absl::Mutex mu;
  std::multimap<absl::Time, int> due;  // when each waiting person tries (again)
  std::vector<int> attempts(people, 0);
  int settled = 0;
  StormResult result;
  const absl::Time start = absl::Now();
  for (int i = 0; i < people; ++i) due.emplace(start, i);
  while (true) {
    std::vector<int> now_due;
    {
      absl::MutexLock lock(&mu);
      auto ready = [&] {
        return settled == people || (!due.empty() && due.begin()->first <= absl::Now());
      };
      // At least every second: the run gives up after kGiveUp, whatever it was told.
      const absl::Time next = std::min(due.empty() ? absl::InfiniteFuture() : due.begin()->first,
                                       absl::Now() + absl::Seconds(1));
      mu.AwaitWithDeadline(absl::Condition(&ready), next);
      if (settled == people || absl::Now() - start > kGiveUp) break;
      while (!due.empty() && due.begin()->first <= absl::Now()) {
        now_due.push_back(due.begin()->second);
        due.erase(due.begin());
      }
    }
    for (int person : now_due) {
      client.SendForReply(LoginRequest(person), [&, person](HttpLoad::Reply reply) {
        absl::MutexLock lock(&mu);
        ++attempts[person];
        if (reply.status == 429 || reply.status == 503 || reply.status == 504) {
          ++result.refused;
          ++result.refusals[absl::StrCat(reply.status, " ", ReasonOf(reply.body))];
          // As apps do: when the server says, else after a second.
          due.emplace(absl::Now() + std::max(reply.retry_after, kRetryAfter), person);
          return;
        }
        if (reply.status == 200) {
          result.all_in = absl::Now() - start;
        } else {
          ++result.failed;
          ++result.refusals[absl::StrCat("failed ", reply.status, " ", ReasonOf(reply.body))];
        }
        ++settled;
      });
    }
  }
  absl::MutexLock lock(&mu);
  if (settled < people) result.failed += people - settled;
  if (result.failed > 0) result.all_in = absl::InfiniteDuration();  // not all got in
  result.max_attempts = *std::max_element(attempts.begin(), attempts.end());
  return result;
}

std::string RefusalsText(const std::map<std::string, int>& refusals) {
  std::string text;
  for (const auto& [kind, count] : refusals) absl::StrAppend(&text, "; ", count, " × ", kind);
  return text;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "bench: school-login: %s\n", what.c_str());
  return 1;
}

}  // namespace

int BenchSchoolLogin(const Settings& settings) {
  Report report("A school behind one address: logins at 8:25 through the gateway");
  RaiseOpenFileLimit();  // a connection per person here, and as many in the gateway
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int people = settings.quick ? 200 : 1000;
  if (sodium_init() < 0) return Fail("libsodium");
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, kPassword.data(), kPassword.size(), 2, 19 * 1024 * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Fail("argon2id ran out of memory");
  }
  // Production settings: argon2id m = 19 MiB, t = 2 on one thread per core, identity's own
  // per-login and per-address protection, the gateway's default rate limits.
  absl::StatusOr<Child> identity =
      StartIdentity(settings, {{"PARTA_ARGON2_ITERATIONS", "2"},
                               {"PARTA_ARGON2_MEMORY_KIB", "19456"},
                               {"PARTA_ARGON2_THREADS", std::to_string(threads)},
                               {"PARTA_TRUSTED_PROXIES", "127.0.0.1"}});
  if (!identity.ok()) return Fail(identity.status().ToString());
  absl::StatusOr<Child> gateway =
      Child::Start({settings.gateway_binary},
                   {{"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", identity->port())},
                    {"PARTA_REDIS_URI", settings.redis_uri},
                    {"PARTA_HTTP_LISTEN", "127.0.0.1:0"},
                    {"PARTA_METRICS_LISTEN", "127.0.0.1:0"},
                    {"PARTA_ACCESS_LOG", "false"},
                    {"PARTA_RATE_LIMITS_ENABLED", "true"},
                    {"PARTA_TRUSTED_PROXIES", "127.0.0.0/8"},
                    {"PARTA_LOG_LEVEL", "warning"}},
                   "PARTA_HTTP_PORT_FILE");
  if (!gateway.ok()) return Fail(gateway.status().ToString());
  std::printf("registering %d people (production hashing; this takes a while)\n", people);
  if (absl::Status signed_up = SignUpUsers(identity->port(), people).status(); !signed_up.ok()) {
    return Fail(signed_up.ToString());
  }

  Row kdf_row{.scenario = "password logins", .system = "argon2id verify loop"};
  Row storm_row{.scenario = "password logins", .system = "parta: one school, one address"};
  std::vector<std::string> storms;
  for (int run = 0; run < settings.runs; ++run) {
    LoadResult kdf = RunThreads(
        [&] { return crypto_pwhash_str_verify(hash, kPassword.data(), kPassword.size()) == 0; },
        threads, settings.duration);
    kdf_row.per_second.push_back(kdf.PerSecond());
    kdf_row.cpu_us_per_op = 1e6 * threads / std::max(1.0, kdf.PerSecond());

    // A fresh client per run: a connection per person, everyone's login in flight at once.
    absl::StatusOr<std::unique_ptr<HttpLoad>> client = HttpLoad::Connect(gateway->port(), people);
    if (!client.ok()) return Fail(client.status().ToString());
    // Each run starts with the school's budget whole again (the shared window has passed).
    absl::SleepFor(absl::Seconds(11));
    const absl::Duration cpu_before = ProcessCpu(identity->pid()) + ProcessCpu(gateway->pid());
    StormResult storm = LoginStorm(**client, people);
    const absl::Duration cpu =
        ProcessCpu(identity->pid()) + ProcessCpu(gateway->pid()) - cpu_before;
    storm_row.per_second.push_back(storm.all_in == absl::InfiniteDuration()
                                       ? 0
                                       : people / absl::ToDoubleSeconds(storm.all_in));
    storm_row.cpu_us_per_op = absl::ToDoubleMicroseconds(cpu) / people;
    storms.push_back(
        absl::StrCat("run ", run + 1, ": all ", people, " in after ",
                     absl::FormatDuration(absl::Trunc(storm.all_in, absl::Milliseconds(100))),
                     ", at most ", storm.max_attempts, " attempts for one person, ", storm.refused,
                     " refusals retried, ", storm.failed, " failed", RefusalsText(storm.refusals)));
  }
  report.Add(kdf_row);
  report.Add(storm_row);
  report.AddRatio("logins/s from one address / bare KDF rate", "parta: one school, one address",
                  "argon2id verify loop", 0);
  for (std::string& line : storms) report.AddNote(std::move(line));
  report.AddNote(absl::StrCat(people, " people log in at once from ", kSchoolAddress,
                              " (X-Forwarded-For through a trusted proxy); bars: everyone in "
                              "within 60 s, nobody refused more than twice (3 attempts)"));
  report.Print();
  report.WriteJson(settings.results_dir + "/school_login.json");
  return 0;
}

}  // namespace parta::bench
