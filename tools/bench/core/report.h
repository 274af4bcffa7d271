#pragma once

// Benchmark results: a table on stdout and a JSON file for the record. Each row is one
// measurement (system under test or reference) with the median and range over its runs.

#include <string>
#include <vector>

#include "tools/bench/core/load.h"

namespace parta::bench {

struct Row {
  std::string scenario;            // "S5 authenticated unary RPC"
  std::string system;              // "parta" or the reference's name
  std::vector<double> per_second;  // one value per run
  double p50_ms = 0;               // of the median run
  double p99_ms = 0;
  double cpu_us_per_op = 0;  // CPU of the server process(es) per operation, median run
  std::string note;
};

class Report {
 public:
  explicit Report(std::string name) : name_(std::move(name)) {}
  void Add(Row row) { rows_.push_back(std::move(row)); }
  // A ratio line: numerator row's median over denominator row's median, with the bar to reach
  // (0: a ratio given for context, with no bar).
  void AddRatio(std::string label, const std::string& numerator, const std::string& denominator,
                double bar);
  void AddNote(std::string note) { notes_.push_back(std::move(note)); }

  void Print() const;
  void WriteJson(const std::string& path) const;

  static double Median(std::vector<double> values);

 private:
  const Row* Find(const std::string& system) const;

  struct Ratio {
    std::string label;
    std::string numerator;
    std::string denominator;
    double bar;
  };
  std::string name_;
  std::vector<Row> rows_;
  std::vector<Ratio> ratios_;
  std::vector<std::string> notes_;
};

}  // namespace parta::bench
