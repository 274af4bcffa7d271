#pragma once

// CPU time of processes from /proc, to report CPU-seconds per operation.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace parta::bench {

// User + system CPU time consumed so far by process `pid` (all its threads).
absl::Duration ProcessCpu(pid_t pid);

// CPU time of every running process named `command` (its comm, e.g. "postgres") together.
absl::Duration CommandCpu(const std::string& command);

// Resident memory of process `pid` (VmRSS), in KiB; 0 when it cannot be read.
int64_t ProcessRssKiB(pid_t pid);

// Idle share of the machine over `window` (from /proc/stat), to note before a run.
double MachineIdleShare(absl::Duration window);

}  // namespace parta::bench
