#pragma once

// The system S9 measures, each part its own process on loopback: the real directory, messaging,
// signaling and gateway on schemas of their own, and a private Janus as the SFU. Identity's part
// (signing keys, service tokens) is the benchmark's key server (bench_keys.h). Classes reach
// messaging as the directory's events (roster_seed.h); the pair of a direct chat is made through
// the directory's own RPCs, as messaging asks the directory before opening one.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/redis/client.h"
#include "tools/bench/bench_keys.h"
#include "tools/bench/core/child.h"
#include "tools/bench/janus_process.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {

// A class students' chat: its class teacher starts its calls, its pupils join them.
struct ClassChat {
  std::string chat_id;
  std::string teacher;
  std::vector<std::string> pupils;
};

// Two staff members of one school and their direct chat (its calls are peer to peer).
struct DirectPair {
  std::string chat_id;
  std::string caller;
  std::string callee;
};

class CallsCluster {
 public:
  // Participants beat every `heartbeat_interval` (signaling's setting).
  static absl::StatusOr<std::unique_ptr<CallsCluster>> Start(const Settings& settings,
                                                             absl::Duration heartbeat_interval);
  ~CallsCluster();  // the processes stop, the gateway first and Janus last

  // `classes` classes of `pupils` pupils and a class teacher each; returns once messaging has
  // put everyone into their class students' chats (at most two minutes).
  absl::StatusOr<std::vector<ClassChat>> SeedClasses(int classes, int pupils);
  // A school made through the directory (an admin and a teacher) and their direct chat.
  absl::StatusOr<DirectPair> SeedDirectPair();

  const Signer& signer() const { return signer_; }
  int gateway_port() const { return gateway_->port(); }
  const JanusProcess& janus() const { return *janus_; }
  pid_t janus_pid() const { return janus_->pid(); }
  redis::Pool& redis() { return *redis_; }
  // Parta's own processes: gateway, signaling, messaging, directory.
  std::vector<pid_t> service_pids() const;

 private:
  CallsCluster() = default;

  Signer signer_;
  std::string events_key_;
  std::unique_ptr<KeyServer> keys_;
  std::unique_ptr<JanusProcess> janus_;
  std::unique_ptr<redis::Pool> redis_;
  // In start order; destroyed in reverse.
  std::unique_ptr<Child> directory_, messaging_, signaling_, gateway_;
};

}  // namespace parta::bench
