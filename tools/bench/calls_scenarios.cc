// S9, calls: 100 class lessons of 25 pupils each join within 5 s through the gateway's HTTP API
// (what clients use): a join is JoinCall, then PublishMedia with an SDP offer until Janus's
// answer is back at the client; no media flows. Beside it, in the same run, the same number of
// publishers join rooms of the same Janus straight over Janus's own API (janus_direct.h). Both
// open loop at 500 joins/s (latency from the scheduled start) and closed loop with 32 joins in
// flight (the peak rate). Then one relayed signalling message: SendSignal in a peer-to-peer call
// at 1,000 messages/s, timed until the other participant's WebSocket has it (calls_relay.h).
//
// Set-up (calls_cluster.h): each class's teacher starts its lesson before a phase (StartCall,
// timed apart); after it, he ends it (the room goes); the Janus-direct phase makes and destroys
// its own rooms. Heartbeats are left out (their interval is set beyond the run).

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <future>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "libs/core/random.h"
#include "libs/testing/sdp_offer.h"
#include "nlohmann/json.hpp"
#include "tools/bench/calls_cluster.h"
#include "tools/bench/calls_relay.h"
#include "tools/bench/core/cpu.h"
#include "tools/bench/core/http_load.h"
#include "tools/bench/core/load.h"
#include "tools/bench/core/report.h"
#include "tools/bench/janus_direct.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {
namespace {

using json = nlohmann::json;

constexpr int kPupilsPerCall = 25;
constexpr double kJoinsPerSecond = 500;  // 100 calls × 25 in 5 s
constexpr int kConnections = 128;        // to the gateway, and as many to Janus
constexpr int kPeakInFlight = 32;
constexpr double kSignalsPerSecond = 1000;
// Longer than the whole run: the joined send no heartbeats.
constexpr absl::Duration kHeartbeatInterval = absl::Minutes(30);

int Fail(const std::string& what) {
  std::fprintf(stderr, "bench: calls: %s\n", what.c_str());
  return 1;
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

std::string Post(const std::string& path, const std::string& authorization,
                 const std::string& body) {
  return absl::StrCat("POST ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ",
                      authorization, "\r\nContent-Type: application/json\r\nContent-Length: ",
                      body.size(), "\r\n\r\n", body);
}

// One request, waited for (at most 30 s).
HttpLoad::Reply Fetch(HttpLoad& http, std::string request) {
  auto promise = std::make_shared<std::promise<HttpLoad::Reply>>();
  std::future<HttpLoad::Reply> reply = promise->get_future();
  http.SendForReply(std::move(request),
                    [promise](HttpLoad::Reply answer) { promise->set_value(std::move(answer)); });
  if (reply.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return {};
  return reply.get();
}

// The first few failures of a phase, to show with its figures.
class Failures {
 public:
  void Note(std::string what) {
    absl::MutexLock lock(&mu_);
    if (notes_.size() < 3) notes_.push_back(std::move(what));
  }
  std::string Text() {
    absl::MutexLock lock(&mu_);
    std::string text;
    for (const std::string& note : notes_) absl::StrAppend(&text, text.empty() ? "" : " | ", note);
    return text.substr(0, 600);
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> notes_ ABSL_GUARDED_BY(mu_);
};

// The lessons of one phase: each class's teacher starts his, and ends it afterwards.
class Lessons {
 public:
  Lessons(HttpLoad& http, const std::vector<ClassChat>& classes, const Signer& signer)
      : http_(http), classes_(classes) {
    for (const ClassChat& chat : classes) {
      teachers_.push_back(signer.User(chat.teacher));
      std::vector<std::string>& pupils = pupils_.emplace_back();
      for (const std::string& pupil : chat.pupils) pupils.push_back(signer.User(pupil));
    }
  }

  // Starts every lesson; the time each StartCall took.
  absl::StatusOr<Histogram> Start() {
    calls_.clear();
    Histogram took;
    for (size_t c = 0; c < classes_.size(); ++c) {
      const absl::Time begun = absl::Now();
      HttpLoad::Reply reply = Fetch(
          http_, Post(absl::StrCat("/v1/chats/", classes_[c].chat_id, "/calls"), teachers_[c],
                      json{{"requestId", NewUuidV7(absl::Now())}}.dump()));
      took.Record(absl::Now() - begun);
      const json answer = json::parse(reply.body, nullptr, false);
      if (reply.status != 200 || !answer.is_object() || !answer.contains("call")) {
        return absl::InternalError(
            absl::StrCat("StartCall answered ", reply.status, ": ", reply.body.substr(0, 300)));
      }
      calls_.push_back(answer["call"].value("id", ""));
    }
    return took;
  }

  // Join `index`: pupil index / classes of lesson index % classes (lessons fill evenly).
  void Join(int64_t index, const std::string& offer, Failures& failures, Done done) {
    const size_t c = static_cast<size_t>(index) % classes_.size();
    const size_t pupil = static_cast<size_t>(index) / classes_.size();
    const std::string& token = pupils_[c][pupil];
    const std::string call = calls_[c];
    std::string publish = Post(
        absl::StrCat("/v1/calls/", call, ":publish"), token,
        json{{"offer", {{"type", "SDP_TYPE_OFFER"}, {"sdp", offer}}}}.dump());
    http_.SendForReply(
        Post(absl::StrCat("/v1/calls/", call, ":join"), token, "{}"),
        [this, &failures, publish = std::move(publish), done](HttpLoad::Reply joined) mutable {
          if (joined.status != 200) {
            failures.Note(absl::StrCat("JoinCall ", joined.status, " ", joined.body));
            return done(false);
          }
          http_.SendForReply(std::move(publish), [&failures, done](HttpLoad::Reply published) {
            const bool answered = published.status == 200 &&
                                  published.body.find("SDP_TYPE_ANSWER") != std::string::npos &&
                                  published.body.find("\"sdp\":\"v=0") != std::string::npos;
            if (!answered) {
              failures.Note(absl::StrCat("PublishMedia ", published.status, " ",
                                         published.body.substr(0, 200)));
            }
            done(answered);
          });
        });
  }

  // Ends every lesson (its room goes).
  absl::Status End() {
    for (size_t c = 0; c < calls_.size(); ++c) {
      HttpLoad::Reply reply =
          Fetch(http_, Post(absl::StrCat("/v1/calls/", calls_[c], ":end"), teachers_[c], "{}"));
      if (reply.status != 200) {
        return absl::InternalError(absl::StrCat("EndCall answered ", reply.status, ": ",
                                                reply.body.substr(0, 300)));
      }
    }
    calls_.clear();
    return absl::OkStatus();
  }

 private:
  HttpLoad& http_;
  const std::vector<ClassChat>& classes_;
  std::vector<std::string> teachers_;
  std::vector<std::vector<std::string>> pupils_;
  std::vector<std::string> calls_;
};

// Exactly `count` operations with `in_flight` at a time (closed loop), at most five minutes.
LoadResult RunCount(const AsyncOperation& operation, int64_t count, int in_flight) {
  // Shared with the callbacks, which may outlive a run that gave up waiting.
  struct State {
    absl::Mutex mu;
    LoadResult result;
    int64_t started = 0;
    int64_t finished = 0;
    AsyncOperation operation;
    std::function<void()> start_one;
  };
  auto state = std::make_shared<State>();
  state->operation = operation;
  std::weak_ptr<State> weak = state;
  state->start_one = [weak, count] {
    std::shared_ptr<State> self = weak.lock();
    if (!self) return;
    {
      absl::MutexLock lock(&self->mu);
      if (self->started == count) return;
      ++self->started;
    }
    const absl::Time begun = absl::Now();
    self->operation([weak, begun](bool ok) {
      std::shared_ptr<State> self = weak.lock();
      if (!self) return;
      {
        absl::MutexLock lock(&self->mu);
        ++self->finished;
        if (ok) {
          ++self->result.completed;
          self->result.latency.Record(absl::Now() - begun);
        } else {
          ++self->result.failed;
        }
      }
      self->start_one();
    });
  };
  const absl::Time start = absl::Now();
  for (int i = 0; i < in_flight; ++i) state->start_one();
  absl::MutexLock lock(&state->mu);
  auto all = [&] { return state->finished == count; };
  state->mu.AwaitWithTimeout(absl::Condition(&all), absl::Minutes(5));
  state->result.elapsed = absl::Now() - start;
  return state->result;
}

// What Postgres and Redis have done so far, machine-wide (their stats, not the benchmark's).
struct StoreCounters {
  double commits = 0;   // Postgres transactions committed, every database of the cluster
  double commands = 0;  // Redis commands processed

  static StoreCounters Read(const std::string& pg_uri, redis::Pool& redis) {
    StoreCounters counters;
    try {
      pqxx::connection connection(pg_uri);
      pqxx::nontransaction tx(connection);
      // Backends publish their counts when idle, at most once a second.
      counters.commits = tx.exec("SELECT sum(xact_commit) FROM pg_stat_database")[0][0].as<double>();
    } catch (const std::exception&) {
      counters.commits = -1;
    }
    absl::StatusOr<redis::Value> info = redis.Command({"INFO", "stats"});
    if (info.ok()) {
      const std::string key = "total_commands_processed:";
      const size_t at = info->text.find(key);
      if (at != std::string::npos) {
        (void)absl::SimpleAtod(
            info->text.substr(at + key.size(), info->text.find('\r', at) - at - key.size()),
            &counters.commands);
      }
    }
    return counters;
  }
};

// One phase of joins and what it cost.
struct Phase {
  LoadResult load;
  absl::Duration all_in;  // from the first scheduled join to the last answer
  double janus_cpu_us = 0;  // per join
  double parta_cpu_us = 0;  // Parta's services per join
  std::vector<double> service_cpu_us;  // per join, each of `services`, then Redis, Postgres
  double server_cpu_us = 0;  // per join, every server of the system (Janus alone when direct)
  double client_cpu_us = 0;  // per join, this load generator
  double commits = 0;        // Postgres commits per join
  double commands = 0;       // Redis commands per join
  std::string failures;
};

// Runs `count` joins open loop at `rate` per second, or (rate 0) closed loop with kPeakInFlight.
Phase Measure(double rate, int64_t count, pid_t janus, const std::vector<pid_t>& services,
              const std::function<void(int64_t, Done)>& join, Failures& failures,
              const std::function<StoreCounters()>& stores) {
  auto cpu = [&services] {
    std::vector<absl::Duration> each;
    for (pid_t pid : services) each.push_back(ProcessCpu(pid));
    each.push_back(CommandCpu("redis-server"));
    each.push_back(CommandCpu("postgres"));
    return each;
  };
  auto next = std::make_shared<std::atomic<int64_t>>(0);
  auto last = std::make_shared<std::atomic<int64_t>>(0);  // ns of the last answer
  AsyncOperation operation = [&join, next, last](Done done) {
    join(next->fetch_add(1), [done, last](bool ok) {
      const int64_t now = absl::GetCurrentTimeNanos();
      int64_t seen = last->load();
      while (seen < now && !last->compare_exchange_weak(seen, now)) {
      }
      done(ok);
    });
  };
  absl::SleepFor(absl::Milliseconds(1100));  // the stores' counts of the set-up are published
  const StoreCounters stores_before = stores();
  const absl::Duration janus_before = ProcessCpu(janus);
  const absl::Duration client_before = ProcessCpu(getpid());
  const std::vector<absl::Duration> before = cpu();
  const absl::Time start = absl::Now();
  Phase phase;
  phase.load = rate > 0 ? RunOpenLoop(operation, rate, absl::Seconds(count / rate), count)
                        : RunCount(operation, count, kPeakInFlight);
  phase.all_in = absl::FromUnixNanos(last->load()) - start;
  const double joins = std::max<double>(1, phase.load.completed);
  phase.janus_cpu_us = absl::ToDoubleMicroseconds(ProcessCpu(janus) - janus_before) / joins;
  const std::vector<absl::Duration> after = cpu();
  for (size_t i = 0; i < after.size(); ++i) {
    phase.service_cpu_us.push_back(absl::ToDoubleMicroseconds(after[i] - before[i]) / joins);
    if (i < services.size()) phase.parta_cpu_us += phase.service_cpu_us.back();
    if (!services.empty()) phase.server_cpu_us += phase.service_cpu_us.back();
  }
  phase.server_cpu_us += phase.janus_cpu_us;
  phase.client_cpu_us = absl::ToDoubleMicroseconds(ProcessCpu(getpid()) - client_before) / joins;
  absl::SleepFor(absl::Milliseconds(1100));
  const StoreCounters stores_after = stores();
  phase.commits = (stores_after.commits - stores_before.commits) / joins;
  phase.commands = (stores_after.commands - stores_before.commands) / joins;
  phase.failures = failures.Text();
  return phase;
}

std::string Mode(double rate) {
  return rate > 0 ? absl::StrFormat("open loop %.0f/s", rate)
                  : absl::StrCat(kPeakInFlight, " in flight");
}

double JoinsPerSecond(const Phase& phase) {
  return phase.load.completed / std::max(1e-9, absl::ToDoubleSeconds(phase.all_in));
}

// The run whose p99 is the median of the runs'.
const Phase& MedianRun(const std::vector<Phase>& runs) {
  std::vector<const Phase*> sorted;
  for (const Phase& run : runs) sorted.push_back(&run);
  std::sort(sorted.begin(), sorted.end(), [](const Phase* a, const Phase* b) {
    return a->load.latency.Percentile(0.99) < b->load.latency.Percentile(0.99);
  });
  return *sorted[sorted.size() / 2];
}

Row RowOf(const std::string& scenario, const std::string& system, const std::vector<Phase>& runs) {
  Row row{.scenario = scenario, .system = system};
  for (const Phase& run : runs) row.per_second.push_back(JoinsPerSecond(run));
  const Phase& median = MedianRun(runs);
  row.p50_ms = Ms(median.load.latency.Percentile(0.5));
  row.p99_ms = Ms(median.load.latency.Percentile(0.99));
  row.cpu_us_per_op = median.server_cpu_us;
  int64_t failed = 0;
  for (const Phase& run : runs) failed += run.load.failed + run.load.dropped;
  if (failed > 0) row.note = absl::StrCat(failed, " joins failed: ", median.failures);
  return row;
}

std::string Verdict(bool reached) { return reached ? "reached" : "NOT reached"; }

}  // namespace

int BenchCalls(const Settings& settings) {
  const int calls = settings.quick ? 20 : 100;
  Report report(absl::StrCat("S9 calls: ", calls, " lessons x ", kPupilsPerCall,
                             " pupils join (JoinCall + PublishMedia to Janus's answer), beside the "
                             "same joins straight against Janus"));
  RaiseOpenFileLimit();
  const int64_t joins = int64_t{calls} * kPupilsPerCall;

  absl::StatusOr<std::unique_ptr<CallsCluster>> cluster =
      CallsCluster::Start(settings, kHeartbeatInterval);
  if (!cluster.ok()) return Fail(cluster.status().ToString());
  const absl::Time seed_start = absl::Now();
  absl::StatusOr<std::vector<ClassChat>> classes = (*cluster)->SeedClasses(calls, kPupilsPerCall);
  if (!classes.ok()) return Fail(classes.status().ToString());
  absl::StatusOr<DirectPair> pair = (*cluster)->SeedDirectPair();
  if (!pair.ok()) return Fail(pair.status().ToString());
  std::printf("%d classes of %d pupils and a direct chat ready in %.1f s\n", calls,
              kPupilsPerCall, absl::ToDoubleSeconds(absl::Now() - seed_start));

  absl::StatusOr<std::unique_ptr<HttpLoad>> gateway =
      HttpLoad::Connect((*cluster)->gateway_port(), kConnections);
  if (!gateway.ok()) return Fail(gateway.status().ToString());
  absl::StatusOr<std::unique_ptr<JanusDirect>> direct =
      JanusDirect::Connect((*cluster)->janus(), kConnections);
  if (!direct.ok()) return Fail(direct.status().ToString());

  // A fresh offer per join (its own DTLS fingerprint), the same for both systems.
  std::vector<std::string> offers;
  for (int64_t i = 0; i < joins; ++i) offers.push_back(testing::HandMadeSdpOffer());
  Lessons lessons(**gateway, *classes, (*cluster)->signer());
  const pid_t janus = (*cluster)->janus_pid();
  const std::vector<pid_t> services = (*cluster)->service_pids();
  const std::vector<pid_t> no_services;
  redis::Pool& redis = (*cluster)->redis();
  const std::function<StoreCounters()> stores = [&settings, &redis] {
    return StoreCounters::Read(settings.pg_uri, redis);
  };

  auto parta_phase = [&](double rate) -> absl::StatusOr<Phase> {
    absl::StatusOr<Histogram> started = lessons.Start();
    if (!started.ok()) return started.status();
    Failures failures;
    Phase phase = Measure(rate, joins, janus, services,
                          [&](int64_t i, Done done) {
                            lessons.Join(i, offers[static_cast<size_t>(i)], failures,
                                         std::move(done));
                          },
                          failures, stores);
    if (absl::Status ended = lessons.End(); !ended.ok()) return ended;
    std::printf("  parta %s: %lld joined, %lld failed, p99 %.1f ms (StartCall p50 %.1f ms) %s\n",
                Mode(rate).c_str(), static_cast<long long>(phase.load.completed),
                static_cast<long long>(phase.load.failed),
                Ms(phase.load.latency.Percentile(0.99)), Ms(started->Percentile(0.5)),
                phase.failures.c_str());
    return phase;
  };
  auto janus_phase = [&](double rate) -> absl::StatusOr<Phase> {
    if (absl::Status made = (*direct)->CreateRooms(calls, kPupilsPerCall); !made.ok()) {
      return made;
    }
    Failures failures;
    Phase phase = Measure(rate, joins, janus, no_services,
                          [&](int64_t i, Done done) {
                            // The same order: pupil i / calls of room i % calls.
                            const int64_t index = (i % calls) * kPupilsPerCall + i / calls;
                            (*direct)->Join(static_cast<int>(index),
                                            offers[static_cast<size_t>(i)], std::move(done));
                          },
                          failures, stores);
    phase.failures = (*direct)->Failures();
    if (absl::Status cleared = (*direct)->Clear(); !cleared.ok()) return cleared;
    std::printf("  janus %s: %lld joined, %lld failed, p99 %.1f ms %s\n",
                Mode(rate).c_str(), static_cast<long long>(phase.load.completed),
                static_cast<long long>(phase.load.failed),
                Ms(phase.load.latency.Percentile(0.99)), phase.failures.c_str());
    return phase;
  };

  // Warm-up (connections, token caches, Janus's first rooms); Parta's peak there sets the
  // gentler open-loop rate: half of it.
  absl::StatusOr<Phase> warm = parta_phase(0);
  if (!warm.ok()) return Fail(warm.status().ToString());
  if (absl::StatusOr<Phase> janus_warm = janus_phase(0); !janus_warm.ok()) {
    return Fail(janus_warm.status().ToString());
  }
  const double half_rate = std::max(10.0, std::round(JoinsPerSecond(*warm) / 2 / 10) * 10);
  // Per load (S9's rate, half of Parta's peak, the peak), the runs of each system.
  const std::vector<double> loads = {kJoinsPerSecond, half_rate, 0};
  std::vector<std::vector<Phase>> parta_runs(loads.size()), janus_runs(loads.size());
  for (int run = 0; run < settings.runs; ++run) {
    // A B A B: Parta, then Janus direct, at each load.
    for (size_t l = 0; l < loads.size(); ++l) {
      absl::StatusOr<Phase> parta = parta_phase(loads[l]);
      if (!parta.ok()) return Fail(parta.status().ToString());
      parta_runs[l].push_back(*std::move(parta));
      absl::StatusOr<Phase> direct_run = janus_phase(loads[l]);
      if (!direct_run.ok()) return Fail(direct_run.status().ToString());
      janus_runs[l].push_back(*std::move(direct_run));
    }
  }
  const std::vector<Phase>& parta_open = parta_runs[0];
  const std::vector<Phase>& janus_open = janus_runs[0];
  const std::vector<Phase>& parta_peak = parta_runs[2];
  const std::vector<Phase>& janus_peak = janus_runs[2];

  // The relayed message: a peer-to-peer call of the direct chat's two people.
  const Signer& signer = (*cluster)->signer();
  const std::string caller = signer.User(pair->caller);
  const std::string callee = signer.User(pair->callee);
  HttpLoad::Reply started =
      Fetch(**gateway, Post(absl::StrCat("/v1/chats/", pair->chat_id, "/calls"), caller,
                            json{{"requestId", NewUuidV7(absl::Now())}}.dump()));
  const json call = json::parse(started.body, nullptr, false);
  if (started.status != 200 || !call.is_object() || !call.contains("call")) {
    return Fail(absl::StrCat("StartCall of the direct chat answered ", started.status, ": ",
                             started.body.substr(0, 300)));
  }
  const std::string p2p_call = call["call"].value("id", "");
  if (HttpLoad::Reply joined =
          Fetch(**gateway, Post(absl::StrCat("/v1/calls/", p2p_call, ":join"), callee, "{}"));
      joined.status != 200) {
    return Fail(absl::StrCat("JoinCall of the direct call answered ", joined.status, ": ",
                             joined.body.substr(0, 300)));
  }
  RelayPlan plan{.gateway_port = (*cluster)->gateway_port(),
                 .call_id = p2p_call,
                 .sender_authorization = caller,
                 .receiver_id = pair->callee,
                 .receiver_authorization = callee,
                 .rate = kSignalsPerSecond,
                 .duration = absl::Seconds(1)};
  if (absl::StatusOr<RelayResult> warm = MeasureRelay(**gateway, plan); !warm.ok()) {
    return Fail(warm.status().ToString());
  }
  plan.duration = settings.duration;
  std::vector<RelayResult> relays;
  Row relay_row{.scenario = "S9 relayed signal, 1,000/s", .system = "parta SendSignal -> socket"};
  std::vector<double> relay_p99;
  // CPU during the relays: gateway, signaling, Janus, Redis, this load generator.
  auto relay_cpu_now = [&] {
    return std::vector<absl::Duration>{ProcessCpu(services[0]), ProcessCpu(services[1]),
                                       ProcessCpu(janus), CommandCpu("redis-server"),
                                       ProcessCpu(getpid())};
  };
  std::vector<absl::Duration> relay_cpu(5);
  int64_t relay_sent = 0;
  for (int run = 0; run < settings.runs; ++run) {
    const std::vector<absl::Duration> cpu_before = relay_cpu_now();
    absl::StatusOr<RelayResult> relayed = MeasureRelay(**gateway, plan);
    if (!relayed.ok()) return Fail(relayed.status().ToString());
    const std::vector<absl::Duration> cpu_after = relay_cpu_now();
    for (size_t i = 0; i < relay_cpu.size(); ++i) relay_cpu[i] += cpu_after[i] - cpu_before[i];
    relay_sent += relayed->accepted;
    relay_row.per_second.push_back(relayed->received / absl::ToDoubleSeconds(plan.duration));
    relay_p99.push_back(Ms(relayed->latency.Percentile(0.99)));
    relays.push_back(*std::move(relayed));
  }
  std::vector<const RelayResult*> by_p99;
  for (const RelayResult& relay : relays) by_p99.push_back(&relay);
  std::sort(by_p99.begin(), by_p99.end(), [](const RelayResult* a, const RelayResult* b) {
    return a->latency.Percentile(0.99) < b->latency.Percentile(0.99);
  });
  const RelayResult& median_relay = *by_p99[by_p99.size() / 2];
  relay_row.p50_ms = Ms(median_relay.latency.Percentile(0.5));
  relay_row.p99_ms = Ms(median_relay.latency.Percentile(0.99));
  std::vector<double> relay_us;  // per signal
  for (const absl::Duration& cpu : relay_cpu) {
    relay_us.push_back(absl::ToDoubleMicroseconds(cpu) / std::max<int64_t>(1, relay_sent));
  }
  relay_row.cpu_us_per_op = relay_us[0] + relay_us[1];
  int64_t lost = 0, duplicates = 0, reordered = 0, refused = 0;
  std::string relay_error;
  for (const RelayResult& relay : relays) {
    lost += relay.accepted - relay.received;
    duplicates += relay.duplicates;
    reordered += relay.reordered;
    refused += relay.scheduled - relay.accepted;
    if (relay_error.empty()) relay_error = relay.first_error;
  }
  (void)Fetch(**gateway, Post(absl::StrCat("/v1/calls/", p2p_call, ":end"), caller, "{}"));

  for (size_t l = 0; l < loads.size(); ++l) {
    const std::string scenario = absl::StrCat("S9 joins, ", Mode(loads[l]));
    report.Add(RowOf(scenario, "janus direct, " + Mode(loads[l]), janus_runs[l]));
    report.Add(RowOf(scenario, "parta (gateway), " + Mode(loads[l]), parta_runs[l]));
  }
  report.Add(relay_row);
  report.AddRatio("parta joins/s / janus-direct joins/s at the peak (S9, bar 0.5)",
                  "parta (gateway), " + Mode(0), "janus direct, " + Mode(0), 0.5);

  const Phase& parta_median = MedianRun(parta_open);
  const Phase& janus_median = MedianRun(janus_open);
  const double p99 = Ms(parta_median.load.latency.Percentile(0.99));
  double slowest_all_in = 0;
  for (const Phase& run : parta_open) {
    slowest_all_in = std::max(slowest_all_in, absl::ToDoubleSeconds(run.all_in));
  }
  int64_t failed_joins = 0;
  for (const std::vector<Phase>& runs : parta_runs) {
    for (const Phase& run : runs) failed_joins += run.load.failed + run.load.dropped;
  }
  report.AddNote(absl::StrFormat(
      "parta open loop (median run by p99): p50 %.1f ms, p99 %.1f ms: bar p99 <= 200 ms %s, "
      "goal p99 <= 50 ms %s; all %lld joined within %.2f s of the first scheduled join in the "
      "slowest run (bar 5 s: %s); %lld parta joins failed over all runs",
      Ms(parta_median.load.latency.Percentile(0.5)), p99, Verdict(p99 <= 200),
      Verdict(p99 <= 50), static_cast<long long>(joins), slowest_all_in,
      Verdict(slowest_all_in <= 5.0 && failed_joins == 0), static_cast<long long>(failed_joins)));
  const Phase& peak_median = MedianRun(parta_peak);
  const std::vector<double>& each = peak_median.service_cpu_us;
  report.AddNote(absl::StrFormat(
      "Janus CPU per join (open loop, median run): %.0f us through parta, %.0f us direct. "
      "CPU per join at the peak (median run): gateway %.0f us, signaling %.0f us, messaging "
      "%.0f us, directory %.0f us, Redis %.0f us, Postgres %.0f us (every process of those two "
      "names on the machine), Janus %.0f us (direct: %.0f us)",
      parta_median.janus_cpu_us, janus_median.janus_cpu_us, each[0], each[1], each[2], each[3],
      each[4], each[5], peak_median.janus_cpu_us, MedianRun(janus_peak).janus_cpu_us));
  report.AddNote(absl::StrFormat(
      "per parta join at the peak (median run): %.1f Postgres commits, %.1f Redis commands "
      "(counted by the servers: everything on them; the machine is otherwise idle)",
      peak_median.commits, peak_median.commands));
  report.AddNote(absl::StrFormat(
      "relayed signal at %.0f/s for %.0f s, %d runs: p50 %.2f ms, p99 %.2f ms (runs' p99 %.2f-%.2f) "
      ": bar p99 <= 10 ms %s; %lld lost, %lld duplicated, %lld out of order (signals are "
      "unordered by contract), %lld refused%s; CPU per signal: gateway %.0f us, signaling %.0f "
      "us, Janus %.0f us, Redis %.0f us, the load generator %.0f us",
      kSignalsPerSecond, absl::ToDoubleSeconds(plan.duration), settings.runs, relay_row.p50_ms,
      relay_row.p99_ms, *std::min_element(relay_p99.begin(), relay_p99.end()),
      *std::max_element(relay_p99.begin(), relay_p99.end()),
      Verdict(relay_row.p99_ms <= 10 && lost == 0), static_cast<long long>(lost),
      static_cast<long long>(duplicates), static_cast<long long>(reordered),
      static_cast<long long>(refused), relay_error.empty() ? "" : " (" + relay_error + ")",
      relay_us[0], relay_us[1], relay_us[2], relay_us[3], relay_us[4]));
  report.AddNote(absl::StrCat(
      "a join: parta = JoinCall + PublishMedia over HTTP/1.1 keep-alive (", kConnections,
      " connections), each pupil his own token; signaling lets the pupil into the room (a join "
      "token), joins and publishes at Janus, and mutes his audio at the SFU (a lesson); "
      "janus direct = create session, attach, join (pin + token), publish, long-poll for the "
      "answer, ", kConnections, " connections; same Janus, same offers, same order (lessons "
      "fill evenly); no media, no ICE trickle (Janus puts its candidates in its answer), no "
      "heartbeats, no subscriptions to the other publishers"));
  const Phase& parta_half = MedianRun(parta_runs[1]);
  const Phase& janus_half = MedianRun(janus_runs[1]);
  report.AddNote(absl::StrFormat(
      "the load generator's own CPU per join at the peak: %.0f us (parta), %.0f us (janus direct)",
      peak_median.client_cpu_us, MedianRun(janus_peak).client_cpu_us));
  report.AddNote(absl::StrFormat(
      "at %.0f joins/s (half Parta's peak in the warm-up): parta p50 %.1f ms, p99 %.1f ms; "
      "janus direct p50 %.1f ms, p99 %.1f ms",
      half_rate, Ms(parta_half.load.latency.Percentile(0.5)),
      Ms(parta_half.load.latency.Percentile(0.99)), Ms(janus_half.load.latency.Percentile(0.5)),
      Ms(janus_half.load.latency.Percentile(0.99))));
  report.AddNote("CPU column: every server per join (parta: gateway, signaling, messaging, "
                 "directory, Janus, Redis, Postgres; janus direct: Janus); relay row: gateway + "
                 "signaling per signal. ops/s: joins answered per second from the first "
                 "scheduled join to the last answer");
  report.Print();
  report.WriteJson(settings.results_dir + "/calls.json");
  int64_t reference_failed = 0;
  for (const auto* runs : {&janus_open, &janus_peak}) {
    for (const Phase& run : *runs) reference_failed += run.load.failed + run.load.dropped;
  }
  if (reference_failed > 0) {
    return Fail(absl::StrCat(reference_failed, " Janus-direct joins failed: the reference is "
                             "not measured (", MedianRun(janus_open).failures, ")"));
  }
  return 0;
}

}  // namespace parta::bench
