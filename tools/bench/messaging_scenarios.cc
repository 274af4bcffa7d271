// S8, durable message writes: acknowledged SendMessage calls (synchronous_commit=on, fsync on)
// spread over 1,000 chats, beside pgbench writing the same rows — the chat's sequence, the
// message, the change in the chat's log — one message per transaction with 8 clients, and 100
// per transaction, on the same cluster in the same run.
//
// Set-up: the benchmark serves identity's signing keys and signs the tokens (bench_keys.h);
// messaging is the real binary on a schema of its own. The roster (one school, 1,000
// classes of one pupil each) reaches messaging as the directory's events on the Redis
// stream, the way the directory publishes them (roster_seed.h); messaging makes the 1,000 class
// chats itself.

#include <grpcpp/grpcpp.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/redis/client.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"
#include "tools/bench/bench_keys.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/cpu.h"
#include "tools/bench/core/http_load.h"
#include "tools/bench/core/load.h"
#include "tools/bench/core/report.h"
#include "tools/bench/grpc_bench.h"
#include "tools/bench/roster_seed.h"

namespace parta::bench {
namespace {

namespace msg = parta::messaging::v1;

constexpr int kChats = 1000;
constexpr int kPgbenchClients = 8;
// About 150 bytes of Cyrillic, as a class chat's message.
constexpr char kText[] = "Ребята, завтра контрольная по алгебре: повторите параграфы 12–14.";

std::unique_ptr<::grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<::grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context->AddMetadata("authorization", token);
  return context;
}

// The class chat of each pupil, once messaging has made them all (bounded to two minutes).
absl::StatusOr<std::vector<std::string>> ChatsOf(msg::MessagingService::Stub& stub,
                                                 const Signer& signer,
                                                 const std::vector<std::string>& students) {
  std::vector<std::string> chats;
  absl::Time deadline = absl::Now() + absl::Minutes(2);
  for (const std::string& student : students) {
    while (true) {
      msg::ListChatsResponse response;
      ::grpc::Status status =
          stub.ListChats(Context(signer.User(student)).get(), msg::ListChatsRequest(), &response);
      std::string found;
      for (const msg::Chat& chat : response.chats()) {
        if (chat.kind() == msg::CHAT_KIND_CLASS_STUDENTS) found = chat.id();
      }
      if (status.ok() && !found.empty()) {
        chats.push_back(found);
        break;
      }
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError("messaging did not make the class chats in time");
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  return chats;
}

absl::StatusOr<Child> StartMessaging(const Settings& settings, const std::string& pg_uri,
                                     int keys_port, const std::string& events_key,
                                     int metrics_port) {
  std::map<std::string, std::string> env = {
      {"PARTA_PG_URI", pg_uri},
      {"PARTA_REDIS_URI", settings.redis_uri},
      {"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", keys_port)},
      {"PARTA_DIRECTORY_ADDR", "127.0.0.1:1"},
      {"PARTA_DIRECTORY_EVENTS_KEY", events_key},
      {"PARTA_GRPC_LISTEN", "127.0.0.1:0"},
      {"PARTA_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)},
      {"PARTA_LOG_LEVEL", "warning"}};
  pid_t pid = Spawn({settings.messaging_binary, "migrate"}, ChildEnvironment(env));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("parta-messaging migrate failed");
  }
  return Child::Start({settings.messaging_binary}, env);
}

std::string Pgbench() {
  for (const char* version : {"17", "16", "15"}) {
    std::string path = absl::StrCat("/usr/lib/postgresql/", version, "/bin/pgbench");
    if (std::filesystem::exists(path)) return path;
  }
  return "pgbench";
}

// The same rows as a send: the chat's next sequence, its log entry, the message.
std::string PgbenchScript(int rows_per_transaction) {
  std::string payload = absl::BytesToHexString(std::string(280, 'p'));  // an event's size
  std::string content = absl::BytesToHexString(std::string(150, 'c'));
  std::string hash = absl::BytesToHexString(std::string(32, 'h'));
  std::string script = absl::StrCat("\\set c random(1, ", kChats, ")\nBEGIN;\n");
  for (int i = 0; i < rows_per_transaction; ++i) {
    absl::StrAppend(
        &script,
        "UPDATE chats SET last_sequence = last_sequence + 1, updated_at = now() "
        "WHERE id = md5(:c::text)::uuid RETURNING last_sequence AS seq \\gset\n"
        "INSERT INTO outbox (stream, sequence, event_type, payload) VALUES ('chat/' || "
        "md5(:c::text)::uuid, :seq, 'parta.events.v1.Event', decode('",
        payload,
        "', 'hex'));\n"
        "INSERT INTO messages (chat_id, sequence, id, author_id, request_id, request_hash, "
        "content, body, created_at) VALUES (md5(:c::text)::uuid, :seq, gen_random_uuid(), "
        "md5(:c::text)::uuid, gen_random_uuid()::text, decode('",
        hash, "', 'hex'), decode('", content, "', 'hex'), '", kText, "', now());\n");
  }
  script += "END;\n";
  return script;
}

// Runs pgbench for `duration`; transactions per second, or an error.
absl::StatusOr<double> RunPgbench(const std::string& conninfo, const std::string& script_path,
                                  absl::Duration duration) {
  std::string command = absl::StrFormat(
      "%s -n -M prepared -c %d -j 2 -T %d -f %s '%s' 2>&1", Pgbench(), kPgbenchClients,
      static_cast<int>(absl::ToInt64Seconds(duration)), script_path, conninfo);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return absl::InternalError("cannot run pgbench");
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe)) output += buffer;
  int status = pclose(pipe);
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StartsWith(line, "tps = ")) {
      double tps = 0;
      std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
      if (words.size() > 2 && absl::SimpleAtod(words[2], &tps)) return tps;
    }
  }
  return absl::InternalError(absl::StrCat("pgbench failed (", status, "): ", output));
}

// A schema with messaging's tables and the 1,000 chats pgbench writes to.
absl::StatusOr<std::string> PgbenchSchema(const Settings& settings) {
  std::string uri = NewSchema(settings.pg_uri);
  pid_t pid = Spawn({settings.messaging_binary, "migrate"},
                    ChildEnvironment({{"PARTA_PG_URI", uri}, {"PARTA_LOG_LEVEL", "warning"}}));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("parta-messaging migrate failed for pgbench's schema");
  }
  pqxx::connection connection(uri);
  pqxx::nontransaction(connection)
      .exec(absl::StrCat("INSERT INTO chats (id, school_id, kind, title, created_at, updated_at) "
                         "SELECT md5(i::text)::uuid, gen_random_uuid(), 'group', 'bench', now(), "
                         "now() FROM generate_series(1, ",
                         kChats, ") AS i"));
  return uri;
}

// Commits and the sends they carried, from messaging's metrics.
struct Batching {
  double commits = 0, sends = 0;
  static Batching Read(int port) {
    return {ReadCounter(port, "parta_messaging_send_commits_total"),
            ReadCounter(port, "parta_messaging_sends_committed_total")};
  }
  double SendsPerCommit(const Batching& before) const {
    double made = commits - before.commits;
    return made > 0 ? (sends - before.sends) / made : 0;
  }
};

std::string Setting(const std::string& pg_uri, const std::string& name) {
  pqxx::connection connection(pg_uri);
  return pqxx::nontransaction(connection).exec("SHOW " + name)[0][0].as<std::string>();
}

}  // namespace

int BenchMessaging(const Settings& settings) {
  Report report("S8: durable message writes over 1,000 chats, synchronous_commit=on");
  Signer signer;
  absl::StatusOr<std::unique_ptr<KeyServer>> keys = KeyServer::Start(signer);
  if (!keys.ok()) return Fail(keys.status());
  std::string events_key = "parta:events:directory:bench-" + NewUuidV7(absl::Now());
  std::string messaging_uri = NewSchema(settings.pg_uri);
  int metrics_port = FreePort();
  absl::StatusOr<Child> messaging =
      StartMessaging(settings, messaging_uri, (*keys)->port(), events_key, metrics_port);
  if (!messaging.ok()) return Fail(messaging.status());
  absl::StatusOr<redis::Endpoint> endpoint = redis::Endpoint::Parse(settings.redis_uri);
  if (!endpoint.ok()) return Fail(endpoint.status());
  redis::Pool redis({.endpoint = *endpoint, .size = 1});
  absl::Time seed_start = absl::Now();
  absl::StatusOr<SeededSchool> school =
      SeedSchool(redis, events_key, {.classes = kChats, .students_per_class = 1});
  if (!school.ok()) return Fail(school.status());
  std::vector<std::string> students;
  for (const auto& pupils : school->class_students) students.push_back(pupils.front());
  auto stub = std::shared_ptr<msg::MessagingService::Stub>(
      msg::MessagingService::NewStub(Channel(messaging->port())));
  absl::StatusOr<std::vector<std::string>> chats = ChatsOf(*stub, signer, students);
  if (!chats.ok()) return Fail(chats.status());
  std::printf(
      "roster of %d class chats applied by messaging from the directory's events in %.1f s\n",
      kChats, absl::ToDoubleSeconds(absl::Now() - seed_start));

  std::vector<std::string> tokens;
  for (const std::string& student : students) tokens.push_back(signer.User(student));
  auto next = std::make_shared<std::atomic<int64_t>>(0);
  std::string run_id = NewUuidV7(absl::Now()).substr(0, 8);
  AsyncOperation send_op([stub, next, &tokens, &chats, run_id](Done done) {
    int64_t n = next->fetch_add(1);
    size_t chat = static_cast<size_t>(n % kChats);
    auto* call = new Call<msg::SendMessageRequest, msg::SendMessageResponse>();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    call->context.AddMetadata("authorization", tokens[chat]);
    call->request.set_chat_id((*chats)[chat]);
    call->request.set_request_id(absl::StrCat(run_id, "-", n));
    call->request.mutable_text()->set_body(kText);
    stub->async()->SendMessage(&call->context, &call->request, &call->response,
                               [call, done](::grpc::Status status) {
                                 done(status.ok());
                                 delete call;
                               });
  });

  absl::StatusOr<std::string> pgbench_uri = PgbenchSchema(settings);
  if (!pgbench_uri.ok()) return Fail(pgbench_uri.status());
  std::string one_path = settings.results_dir + "/s8-pgbench-1.sql";
  std::string hundred_path = settings.results_dir + "/s8-pgbench-100.sql";
  std::ofstream(one_path) << PgbenchScript(1);
  std::ofstream(hundred_path) << PgbenchScript(100);

  RunClosedLoop(send_op, kInFlight, absl::Seconds(1));  // warm-up: connections, token caches
  Row parta_row, pgbench_row;
  std::vector<double> parta_runs, pgbench_runs, per_commit;
  double rate = 0;
  for (int run = 0; run < settings.runs; ++run) {
    absl::StatusOr<double> tps = RunPgbench(*pgbench_uri, one_path, settings.duration);
    if (!tps.ok()) return Fail(tps.status());
    pgbench_runs.push_back(*tps);
    pgbench_row.scenario = "S8";
    pgbench_row.system = "pgbench, 1 message per transaction, 8 clients";
    pgbench_row.per_second = pgbench_runs;
    Batching before = Batching::Read(metrics_port);
    Measure("S8", "parta SendMessage (gRPC, 32 in flight)", messaging->pid(), send_op, settings,
            rate, parta_runs, parta_row);
    per_commit.push_back(Batching::Read(metrics_port).SendsPerCommit(before));
    if (rate == 0) {
      rate = parta_runs.front() / 2;  // ack latency at half of the first peak
      Measure("S8", "parta SendMessage (gRPC, 32 in flight)", messaging->pid(), send_op, settings,
              rate, parta_runs, parta_row);
      parta_runs.erase(parta_runs.begin());
      parta_row.per_second = parta_runs;
    }
  }
  // Many clients at once: the batches grow, and with them what one commit carries.
  Batching before_wide = Batching::Read(metrics_port);
  absl::Duration cpu_before = ProcessCpu(messaging->pid());
  LoadResult wide = RunClosedLoop(send_op, 256, settings.duration);
  double wide_cpu_us = absl::ToDoubleMicroseconds(ProcessCpu(messaging->pid()) - cpu_before) /
                       std::max<double>(1, static_cast<double>(wide.completed));
  double wide_per_commit = Batching::Read(metrics_port).SendsPerCommit(before_wide);
  Batching before_bar = Batching::Read(metrics_port);
  LoadResult at_bar = RunOpenLoop(send_op, 5000, settings.duration, 10'000);
  double bar_per_commit = Batching::Read(metrics_port).SendsPerCommit(before_bar);
  absl::StatusOr<double> batched = RunPgbench(*pgbench_uri, hundred_path, settings.duration);
  if (!batched.ok()) return Fail(batched.status());
  std::sort(per_commit.begin(), per_commit.end());
  report.Add(pgbench_row);
  report.Add(parta_row);
  report.AddRatio("SendMessage / pgbench one per transaction",
                  "parta SendMessage (gRPC, 32 in flight)",
                  "pgbench, 1 message per transaction, 8 clients", 0);
  report.AddNote(
      absl::StrFormat("pgbench in 100-message transactions: %.0f messages/s (%.0f transactions/s)",
                      *batched * 100, *batched));
  report.AddNote(absl::StrFormat(
      "256 in flight (closed loop): %.0f acknowledged sends/s, p99 %.1f ms, %.0f us messaging CPU "
      "per send, %.1f sends per commit, %d failed",
      wide.PerSecond(), Ms(wide.latency.Percentile(0.99)), wide_cpu_us, wide_per_commit,
      static_cast<int>(wide.failed)));
  report.AddNote(absl::StrFormat(
      "open loop at 5,000 sends/s for %d s: %.0f acknowledged/s, p50 %.1f ms, p99 %.1f ms, %.1f "
      "sends per commit, %d failed, %d not sent in time",
      static_cast<int>(absl::ToInt64Seconds(settings.duration)), at_bar.PerSecond(),
      Ms(at_bar.latency.Percentile(0.5)), Ms(at_bar.latency.Percentile(0.99)), bar_per_commit,
      static_cast<int>(at_bar.failed), static_cast<int>(at_bar.dropped)));
  report.AddNote(absl::StrFormat(
      "sends per commit at 32 in flight: median %.1f; a send writes the chat's sequence, the "
      "message and its log entry; synchronous_commit=%s, fsync=%s; %d chats, uniform; text of %d "
      "bytes",
      per_commit[per_commit.size() / 2], Setting(settings.pg_uri, "synchronous_commit"),
      Setting(settings.pg_uri, "fsync"), kChats, static_cast<int>(std::string(kText).size())));
  report.AddNote("bar: >= 5,000 acknowledged sends/s; goal >= 1.5 x pgbench one per transaction");
  report.Print();
  report.WriteJson(settings.results_dir + "/messaging.json");
  return 0;
}

}  // namespace parta::bench
