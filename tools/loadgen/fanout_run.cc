#include "tools/loadgen/fanout_run.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

#include "absl/time/clock.h"
#include "tools/bench/core/cpu.h"

namespace parta::loadgen {
namespace {

// Fills of one run are bounded: a system losing everything is not asked 100,000 times.
constexpr int kMaxHistoryFetches = 3000;

absl::Duration SelfCpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

std::string CommandOf(pid_t pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

// CPU so far of each of the system's processes, by command.
std::map<std::string, absl::Duration> SystemCpu(const FanoutSystem& system) {
  std::map<std::string, absl::Duration> cpu;
  for (pid_t pid : system.Processes()) cpu[CommandOf(pid)] += bench::ProcessCpu(pid);
  for (const std::string& command : system.SharedCommands()) {
    cpu[command] += bench::CommandCpu(command);
  }
  return cpu;
}

// What the acknowledgements said, shared with callbacks that may come late.
struct Acks {
  explicit Acks(int groups) : last(static_cast<size_t>(groups), 0) {}
  std::mutex mu;
  std::vector<int64_t> last;  // per group, the largest acknowledged sequence
  bench::Histogram latency;
  int64_t acked = 0, failed = 0;
};

}  // namespace

bool FanoutResult::Holds(absl::Duration p99_bar) const {
  return error.empty() && lost == 0 && failed == 0 && held_back == 0 && filled == 0 &&
         latency.count() > 0 && latency.Percentile(0.99) <= p99_bar;
}

FanoutResult RunFanout(FanoutSystem& system, const FanoutLoad& load) {
  FanoutResult result;
  result.system = system.Name();
  result.receivers = load.groups * load.members;
  result.offered_per_second = load.posts_per_second;
  absl::StatusOr<std::vector<int64_t>> baselines = system.Baselines();
  if (!baselines.ok()) {
    result.error = baselines.status().ToString();
    return result;
  }
  std::vector<int> group_of(static_cast<size_t>(result.receivers));
  for (int r = 0; r < result.receivers; ++r) group_of[static_cast<size_t>(r)] = r / load.members;

  Deliveries deliveries(group_of, *baselines);
  const int64_t rss_before = bench::ProcessRssKiB(system.ConnectionHolder());
  if (absl::Status connected = system.Connect(deliveries); !connected.ok()) {
    system.Disconnect();
    result.error = connected.ToString();
    return result;
  }
  result.kib_per_connection =
      static_cast<double>(bench::ProcessRssKiB(system.ConnectionHolder()) - rss_before) /
      std::max(1, result.receivers);

  // The schedule, decided before the first post.
  const absl::Time begin = absl::Now() + absl::Milliseconds(100);
  const absl::Time window_from = begin + load.warmup;
  const absl::Time window_until = window_from + load.duration;
  deliveries.Measure(absl::ToUnixNanos(window_from), absl::ToUnixNanos(window_until));
  auto acks = std::make_shared<Acks>(load.groups);
  std::map<std::string, absl::Duration> system_cpu_before;
  absl::Duration self_cpu_before;
  bool window_open = false;
  const auto total = static_cast<int64_t>(load.posts_per_second *
                                          absl::ToDoubleSeconds(load.warmup + load.duration));
  for (int64_t i = 0; i < total; ++i) {
    const absl::Time scheduled =
        begin + absl::Seconds(static_cast<double>(i) / load.posts_per_second);
    if (!window_open && scheduled >= window_from) {
      window_open = true;
      system_cpu_before = SystemCpu(system);
      self_cpu_before = SelfCpu();
    }
    const absl::Duration wait = scheduled - absl::Now();
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    const int group = static_cast<int>(i % load.groups);
    const int sender = load.posters > 0 ? -1 - static_cast<int>(i % load.posters)
                                        : group * load.members +
                                              static_cast<int>((i / load.groups) % load.members);
    const int64_t scheduled_ns = absl::ToUnixNanos(scheduled);
    system.Send(group, sender, scheduled_ns, [acks, group, scheduled_ns](int64_t sequence) {
      const absl::Duration latency = absl::Now() - absl::FromUnixNanos(scheduled_ns);
      std::lock_guard<std::mutex> lock(acks->mu);
      if (sequence < 0) {
        ++acks->failed;
        return;
      }
      ++acks->acked;
      acks->latency.Record(latency);
      int64_t& last = acks->last[static_cast<size_t>(group)];
      last = std::max(last, sequence);
    });
  }
  const absl::Duration self_cpu = SelfCpu() - self_cpu_before;
  absl::Duration system_cpu;
  for (const auto& [command, cpu] : SystemCpu(system)) {
    result.cpu_by_process[command] = cpu - system_cpu_before[command];
    system_cpu += cpu - system_cpu_before[command];
  }
  result.posts = total;
  // Every post answered (bounded), then time for the last deliveries.
  const absl::Time answers_by = absl::Now() + absl::Seconds(30);
  while (absl::Now() < answers_by) {
    {
      std::lock_guard<std::mutex> lock(acks->mu);
      if (acks->acked + acks->failed >= total) break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::SleepFor(load.drain);
  system.Disconnect();
  result.failures = system.TakeFailures();

  std::vector<int64_t> last;
  {
    std::lock_guard<std::mutex> lock(acks->mu);
    last = acks->last;
    result.acked = acks->acked;
    result.failed = acks->failed + (total - acks->acked - acks->failed);
    result.ack_latency = acks->latency;
  }
  // Each receiver must hold every acknowledged post of his group: fill gaps from history.
  int fetches = 0;
  for (int r = 0; r < result.receivers; ++r) {
    const int64_t expected = last[static_cast<size_t>(deliveries.group_of(r))];
    if (deliveries.order(r).applied() >= expected) continue;
    if (fetches < kMaxHistoryFetches) {
      ++fetches;
      if (std::optional<std::vector<int64_t>> history =
              system.History(r, deliveries.order(r).applied())) {
        for (int64_t sequence : *history) deliveries.Filled(r, sequence);
      }
    }
    result.lost += std::max<int64_t>(0, expected - deliveries.order(r).applied());
  }
  result.latency = deliveries.latency();
  std::vector<int> sizes(static_cast<size_t>(load.groups), load.members);
  result.last_receiver = deliveries.LastReceiverLatency(sizes, result.incomplete_posts);
  result.deliveries_per_second =
      static_cast<double>(deliveries.measured()) / absl::ToDoubleSeconds(load.duration);
  result.duplicates = deliveries.duplicates();
  result.held_back = deliveries.held_back();
  result.filled = deliveries.filled();
  result.cpu_us_per_delivery = absl::ToDoubleMicroseconds(system_cpu) /
                               static_cast<double>(std::max<int64_t>(1, deliveries.measured()));
  result.measured_seconds = absl::ToDoubleSeconds(load.duration);
  result.loadgen_cores = absl::ToDoubleSeconds(self_cpu) / absl::ToDoubleSeconds(load.duration);
  return result;
}

}  // namespace parta::loadgen
