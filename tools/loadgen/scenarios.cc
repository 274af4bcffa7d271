#include "tools/loadgen/scenarios.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "parta/messaging/v1/model.pb.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/cpu.h"
#include "tools/loadgen/fanout_run.h"
#include "tools/loadgen/systems/mosquitto_fanout.h"
#include "tools/loadgen/systems/parta_system.h"
#include "tools/loadgen/systems/redis_fanout.h"

namespace parta::loadgen {
namespace {

namespace msg = parta::messaging::v1;

constexpr int kClassSize = 30;
constexpr int kClassesPerSchool = 30;
constexpr double kPostsPerMemberPerSecond = 0.1;  // one every 10 s
constexpr int kChannelPosters = 5;
constexpr double kChannelPostsPerSecond = 10;

double Ms(absl::Duration duration) { return absl::ToDoubleMilliseconds(duration); }

FanoutLoad LoadOf(const Environment& environment, int groups, int members, int posters,
                  double rate) {
  FanoutLoad load{
      .groups = groups, .members = members, .posters = posters, .posts_per_second = rate};
  if (environment.quick) {
    load.warmup = absl::Seconds(2);
    load.duration = absl::Seconds(5);
  }
  return load;
}

nlohmann::json CoresByProcess(const FanoutResult& result) {
  nlohmann::json cores = nlohmann::json::object();
  for (const auto& [command, cpu] : result.cpu_by_process) {
    cores[command] = absl::ToDoubleSeconds(cpu) / result.measured_seconds;
  }
  return cores;
}

void PrintHeader() {
  std::printf("%-6s %-38s %8s %10s %8s %8s %8s %9s %5s %5s %5s %5s %5s %8s %7s %6s %s\n", "step",
              "system", "posts/s", "deliv/s", "p50 ms", "p99 ms", "max ms", "last p99", "lost",
              "fill", "dup", "held", "fail", "us/deliv", "KiB/con", "gen", "holds");
}

nlohmann::json Print(const std::string& step, const FanoutResult& result, absl::Duration bar,
                     bool last_receiver_bar) {
  const bool holds = result.Holds(last_receiver_bar ? absl::InfiniteDuration() : bar) &&
                     (!last_receiver_bar || (result.incomplete_posts == 0 &&
                                             result.last_receiver.Percentile(0.99) <= bar));
  if (!result.error.empty()) {
    std::printf("%-6s %-38s failed: %s\n", step.c_str(), result.system.c_str(),
                result.error.c_str());
  } else {
    std::printf(
        "%-6s %-38s %8.0f %10.0f %8.1f %8.1f %8.1f %9.1f %5lld %5lld %5lld %5lld %5lld %8.1f "
        "%7.1f %6.2f %s\n",
        step.c_str(), result.system.c_str(), result.offered_per_second,
        result.deliveries_per_second, Ms(result.latency.Percentile(0.5)),
        Ms(result.latency.Percentile(0.99)), Ms(result.latency.Max()),
        Ms(result.last_receiver.Percentile(0.99)), static_cast<long long>(result.lost),
        static_cast<long long>(result.filled), static_cast<long long>(result.duplicates),
        static_cast<long long>(result.held_back), static_cast<long long>(result.failed),
        result.cpu_us_per_delivery, result.kib_per_connection, result.loadgen_cores,
        holds ? "yes" : "NO");
    if (!result.failures.empty()) std::printf("       failed posts: %s\n", result.failures.c_str());
    if (result.cpu_by_process.size() > 1) {
      std::string cores;
      for (const auto& [command, cpu] : result.cpu_by_process) {
        absl::StrAppendFormat(&cores, " %s %.2f", command,
                              absl::ToDoubleSeconds(cpu) / result.measured_seconds);
      }
      std::printf("       cores:%s\n", cores.c_str());
    }
  }
  std::fflush(stdout);
  return {{"step", step},
          {"system", result.system},
          {"error", result.error},
          {"receivers", result.receivers},
          {"posts_per_second", result.offered_per_second},
          {"posts", result.posts},
          {"acked", result.acked},
          {"failed", result.failed},
          {"failures", result.failures},
          {"ack_p99_ms", Ms(result.ack_latency.Percentile(0.99))},
          {"deliveries_per_second", result.deliveries_per_second},
          {"p50_ms", Ms(result.latency.Percentile(0.5))},
          {"p99_ms", Ms(result.latency.Percentile(0.99))},
          {"max_ms", Ms(result.latency.Max())},
          {"last_receiver_p50_ms", Ms(result.last_receiver.Percentile(0.5))},
          {"last_receiver_p99_ms", Ms(result.last_receiver.Percentile(0.99))},
          {"incomplete_posts", result.incomplete_posts},
          {"lost", result.lost},
          {"filled_from_history", result.filled},
          {"duplicates", result.duplicates},
          {"held_back", result.held_back},
          {"cpu_us_per_delivery", result.cpu_us_per_delivery},
          {"cores_by_process", CoresByProcess(result)},
          {"kib_per_connection", result.kib_per_connection},
          {"loadgen_cores", result.loadgen_cores},
          {"holds", holds}};
}

void WriteJson(const Environment& environment, const std::string& name, nlohmann::json rows) {
  std::ofstream(environment.results_dir + "/" + name + ".json")
      << nlohmann::json{{"scenario", name}, {"rows", std::move(rows)}}.dump(2) << "\n";
}

}  // namespace

int RunClassChats(const Environment& environment, const std::vector<int>& classes) {
  const int most = *std::max_element(classes.begin(), classes.end());
  std::printf(
      "S1 class chats: %d members each, a post every 10 s per member, persisted; classes "
      "%s; machine idle %.0f%%\n",
      kClassSize, absl::StrJoin(classes, ", ").c_str(),
      100 * bench::MachineIdleShare(absl::Seconds(1)));
  absl::StatusOr<std::unique_ptr<PartaCluster>> cluster = PartaCluster::Start(environment);
  if (!cluster.ok()) {
    std::fprintf(stderr, "loadgen: %s\n", cluster.status().ToString().c_str());
    return 1;
  }
  // The roster: schools of 30 classes, applied by messaging from the directory's events.
  const absl::Time seed_start = absl::Now();
  PartaAudience everyone;
  for (int seeded = 0; seeded < most; seeded += kClassesPerSchool) {
    absl::StatusOr<bench::SeededSchool> school = (*cluster)->Seed(
        {.classes = std::min(kClassesPerSchool, most - seeded), .students_per_class = kClassSize});
    if (!school.ok()) {
      std::fprintf(stderr, "loadgen: %s\n", school.status().ToString().c_str());
      return 1;
    }
    for (auto& students : school->class_students) everyone.members.push_back(students);
  }
  for (const auto& students : everyone.members) {
    absl::StatusOr<std::string> chat =
        (*cluster)->ChatOf(students.back(), msg::CHAT_KIND_CLASS_STUDENTS);
    if (!chat.ok()) {
      std::fprintf(stderr, "loadgen: %s\n", chat.status().ToString().c_str());
      return 1;
    }
    everyone.chats.push_back(*chat);
  }
  std::printf("roster of %d classes × %d applied by messaging in %.1f s\n", most, kClassSize,
              absl::ToDoubleSeconds(absl::Now() - seed_start));
  PrintHeader();
  nlohmann::json rows = nlohmann::json::array();
  const absl::Duration bar = absl::Milliseconds(100);
  int held = 0;
  for (int step : classes) {
    const double rate = step * kClassSize * kPostsPerMemberPerSecond;
    const FanoutLoad load = LoadOf(environment, step, kClassSize, 0, rate);
    const std::string label = absl::StrCat("N=", step);
    PartaAudience audience;
    audience.chats.assign(everyone.chats.begin(), everyone.chats.begin() + step);
    audience.members.assign(everyone.members.begin(), everyone.members.begin() + step);
    PartaFanout parta(**cluster, std::move(audience));
    const FanoutResult parta_result = RunFanout(parta, load);
    nlohmann::json parta_row = Print(label, parta_result, bar, false);
    const bool parta_holds = parta_row["holds"];
    rows.push_back(std::move(parta_row));
    if (absl::StatusOr<std::unique_ptr<RedisFanout>> redis = RedisFanout::Start(step, kClassSize);
        redis.ok()) {
      rows.push_back(Print(label, RunFanout(**redis, load), bar, false));
    } else {
      std::printf("%-6s raw Redis: %s\n", label.c_str(), redis.status().ToString().c_str());
    }
    if (absl::StatusOr<std::unique_ptr<MosquittoFanout>> mosquitto =
            MosquittoFanout::Start(step, kClassSize, environment.results_dir);
        mosquitto.ok()) {
      rows.push_back(Print(label, RunFanout(**mosquitto, load), bar, false));
    } else {
      std::printf("%-6s Mosquitto: %s\n", label.c_str(), mosquitto.status().ToString().c_str());
    }
    if (!parta_holds) break;
    held = step;
  }
  std::printf(
      "S1: largest number of classes Parta held (p99 <= 100 ms, nothing lost, refused, "
      "reordered or filled from history): %d (bar: >= 300)\n",
      held);
  WriteJson(environment, "s1", std::move(rows));
  return 0;
}

int RunSchoolChannel(const Environment& environment, const std::vector<int>& subscribers) {
  std::printf("S2 school channel: %d teachers post %.0f posts/s in turn; machine idle %.0f%%\n",
              kChannelPosters, kChannelPostsPerSecond,
              100 * bench::MachineIdleShare(absl::Seconds(1)));
  absl::StatusOr<std::unique_ptr<PartaCluster>> cluster = PartaCluster::Start(environment);
  if (!cluster.ok()) {
    std::fprintf(stderr, "loadgen: %s\n", cluster.status().ToString().c_str());
    return 1;
  }
  PrintHeader();
  nlohmann::json rows = nlohmann::json::array();
  const absl::Duration bar = absl::Milliseconds(50);
  for (int count : subscribers) {
    const absl::Time seed_start = absl::Now();
    absl::StatusOr<bench::SeededSchool> school =
        (*cluster)->Seed({.students_without_class = count, .teachers = kChannelPosters});
    if (!school.ok()) {
      std::fprintf(stderr, "loadgen: %s\n", school.status().ToString().c_str());
      return 1;
    }
    absl::StatusOr<std::string> channel =
        (*cluster)->ChatOf(school->students_without_class.back(), msg::CHAT_KIND_CHANNEL);
    if (!channel.ok()) {
      std::fprintf(stderr, "loadgen: %s\n", channel.status().ToString().c_str());
      return 1;
    }
    std::printf("school of %d applied by messaging in %.1f s\n", count,
                absl::ToDoubleSeconds(absl::Now() - seed_start));
    const FanoutLoad load = LoadOf(environment, 1, count, kChannelPosters, kChannelPostsPerSecond);
    const std::string label = absl::StrCat(count);
    PartaFanout parta(**cluster, {.chats = {*channel},
                                  .members = {school->students_without_class},
                                  .posters = school->teachers});
    rows.push_back(Print(label, RunFanout(parta, load), bar, true));
    if (absl::StatusOr<std::unique_ptr<RedisFanout>> redis = RedisFanout::Start(1, count);
        redis.ok()) {
      rows.push_back(Print(label, RunFanout(**redis, load), bar, true));
    }
    if (absl::StatusOr<std::unique_ptr<MosquittoFanout>> mosquitto =
            MosquittoFanout::Start(1, count, environment.results_dir);
        mosquitto.ok()) {
      rows.push_back(Print(label, RunFanout(**mosquitto, load), bar, true));
    }
  }
  std::printf(
      "S2 bar: 2,000 subscribers, time to the last subscriber p99 <= 50 ms at 10 posts/s "
      "(\"last p99\")\n");
  WriteJson(environment, "s2", std::move(rows));
  return 0;
}

}  // namespace parta::loadgen
