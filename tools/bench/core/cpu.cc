#include "tools/bench/core/cpu.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"

namespace parta::bench {

absl::Duration ProcessCpu(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return absl::ZeroDuration();
  std::istringstream fields(text.substr(close + 2));
  std::vector<std::string> values;
  std::string value;
  while (fields >> value) values.push_back(value);
  if (values.size() < 13) return absl::ZeroDuration();
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the state field.
  double ticks = std::stod(values[11]) + std::stod(values[12]);
  return absl::Seconds(ticks / static_cast<double>(sysconf(_SC_CLK_TCK)));
}

int64_t ProcessRssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kib = 0;
      (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(6, line.size() - 9)), &kib);
      return kib;
    }
  }
  return 0;
}

absl::Duration CommandCpu(const std::string& command) {
  absl::Duration total;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream comm(entry.path() / "comm");
    std::string name;
    if (std::getline(comm, name) && name == command) total += ProcessCpu(pid);
  }
  return total;
}

namespace {

struct CpuTimes {
  long long idle = 0;
  long long total = 0;
};

CpuTimes ReadCpuTimes() {
  std::ifstream file("/proc/stat");
  std::string label;
  file >> label;
  CpuTimes times;
  long long value = 0;
  for (int i = 0; file >> value && i < 10; ++i) {
    times.total += value;
    if (i == 3 || i == 4) times.idle += value;  // idle, iowait
  }
  return times;
}

}  // namespace

double MachineIdleShare(absl::Duration window) {
  CpuTimes before = ReadCpuTimes();
  absl::SleepFor(window);
  CpuTimes after = ReadCpuTimes();
  long long total = after.total - before.total;
  return total <= 0 ? 1.0 : static_cast<double>(after.idle - before.idle) / total;
}

}  // namespace parta::bench
