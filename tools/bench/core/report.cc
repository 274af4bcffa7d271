#include "tools/bench/core/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"

namespace parta::bench {

double Report::Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

const Row* Report::Find(const std::string& system) const {
  for (const Row& row : rows_) {
    if (row.system == system) return &row;
  }
  return nullptr;
}

void Report::AddRatio(std::string label, const std::string& numerator,
                      const std::string& denominator, double bar) {
  ratios_.push_back({std::move(label), numerator, denominator, bar});
}

void Report::Print() const {
  std::printf("\n%s\n", name_.c_str());
  std::printf("%-34s %-30s %12s %22s %9s %9s %11s\n", "scenario", "system", "ops/s (med)", "range",
              "p50 ms", "p99 ms", "CPU µs/op");
  for (const Row& row : rows_) {
    if (row.per_second.empty()) continue;
    auto [low, high] = std::minmax_element(row.per_second.begin(), row.per_second.end());
    std::printf("%-34s %-30s %12.0f %10.0f – %-9.0f %9.3f %9.3f %11.1f\n", row.scenario.c_str(),
                row.system.c_str(), Median(row.per_second), *low, *high, row.p50_ms, row.p99_ms,
                row.cpu_us_per_op);
  }
  for (const Ratio& ratio : ratios_) {
    const Row* a = Find(ratio.numerator);
    const Row* b = Find(ratio.denominator);
    if (a == nullptr || b == nullptr) continue;
    double value = Median(a->per_second) / Median(b->per_second);
    if (ratio.bar > 0) {
      std::printf("ratio %-60s %.2f (bar %.2f: %s)\n", ratio.label.c_str(), value, ratio.bar,
                  value >= ratio.bar ? "reached" : "NOT reached");
    } else {
      std::printf("ratio %-60s %.2f\n", ratio.label.c_str(), value);
    }
  }
  for (const std::string& note : notes_) std::printf("note: %s\n", note.c_str());
  std::fflush(stdout);
}

void Report::WriteJson(const std::string& path) const {
  nlohmann::json document = {{"benchmark", name_},
                             {"rows", nlohmann::json::array()},
                             {"ratios", nlohmann::json::array()},
                             {"notes", notes_}};
  for (const Row& row : rows_) {
    document["rows"].push_back({{"scenario", row.scenario},
                                {"system", row.system},
                                {"per_second_runs", row.per_second},
                                {"per_second_median", Median(row.per_second)},
                                {"p50_ms", row.p50_ms},
                                {"p99_ms", row.p99_ms},
                                {"cpu_us_per_op", row.cpu_us_per_op},
                                {"note", row.note}});
  }
  for (const Ratio& ratio : ratios_) {
    const Row* a = Find(ratio.numerator);
    const Row* b = Find(ratio.denominator);
    if (a == nullptr || b == nullptr) continue;
    double value = Median(a->per_second) / Median(b->per_second);
    document["ratios"].push_back({{"label", ratio.label},
                                  {"value", value},
                                  {"bar", ratio.bar},
                                  {"reached", value >= ratio.bar}});
  }
  std::ofstream(path) << document.dump(2) << "\n";
}

}  // namespace parta::bench
