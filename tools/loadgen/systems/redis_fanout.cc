#include "tools/loadgen/systems/redis_fanout.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"
#include "tools/bench/core/http_load.h"
#include "tools/loadgen/wire/resp.h"

namespace parta::loadgen {
namespace {

constexpr int kPublishers = 16;

std::string ChannelOf(int group) { return absl::StrCat("lg:", group); }

// A subscriber: the subscription's confirmation, then the channel's messages.
class Subscriber final : public Session {
 public:
  Subscriber(int receiver, Deliveries& deliveries, Readiness& readiness)
      : receiver_(receiver), deliveries_(deliveries), readiness_(readiness) {}

  void Received(std::string& in, std::string&) override {
    size_t at = 0;
    int64_t size = 0;
    while ((size = ParseRespReply(absl::string_view(in).substr(at), items_)) > 0) {
      at += static_cast<size_t>(size);
      if (items_.size() == 3 && items_[0] == "subscribe") {
        readiness_.ready.fetch_add(1);
      } else if (items_.size() == 3 && items_[0] == "message") {
        PayloadFields fields;
        if (ParsePayload(items_[2], fields)) {
          deliveries_.Received(receiver_, fields.sequence, fields.scheduled_ns, fields.sender,
                               absl::GetCurrentTimeNanos());
        }
      }
    }
    in.erase(0, size < 0 ? in.size() : at);
  }
  void Closed() override { readiness_.refused.fetch_add(1); }

 private:
  const int receiver_;
  Deliveries& deliveries_;
  Readiness& readiness_;
  std::vector<absl::string_view> items_;
};

// A publisher's connection: PUBLISH replies are read and dropped.
class Publisher final : public Session {
 public:
  void Received(std::string& in, std::string&) override { in.clear(); }
};

}  // namespace

absl::StatusOr<std::unique_ptr<RedisFanout>> RedisFanout::Start(int groups, int members) {
  const int port = bench::FreePort();
  absl::StatusOr<ServerProcess> server =
      ServerProcess::Start({"/usr/bin/redis-server", "--port", absl::StrCat(port), "--bind",
                            "127.0.0.1", "--save", "", "--appendonly", "no", "--maxclients",
                            "100000", "--protected-mode", "no", "--loglevel", "warning"},
                           port);
  if (!server.ok()) return server.status();
  return std::unique_ptr<RedisFanout>(
      new RedisFanout(std::make_unique<ServerProcess>(std::move(*server)), groups, members));
}

RedisFanout::RedisFanout(std::unique_ptr<ServerProcess> server, int groups, int members)
    : server_(std::move(server)), groups_(groups), members_(members) {}

absl::StatusOr<std::vector<int64_t>> RedisFanout::Baselines() {
  sequences_.assign(static_cast<size_t>(groups_), 0);
  return sequences_;
}

absl::Status RedisFanout::Connect(Deliveries& deliveries) {
  loop_ = std::make_unique<ClientLoop>();
  readiness_ = std::make_unique<Readiness>();
  RETURN_IF_ERROR(ConnectAll(*loop_, server_->port(), groups_ * members_, *readiness_, [&](int r) {
    return std::make_pair(std::make_unique<Subscriber>(r, deliveries, *readiness_),
                          RespCommand({"SUBSCRIBE", ChannelOf(r / members_)}));
  }));
  publishers_.clear();
  for (int p = 0; p < kPublishers; ++p) {
    const int fd = ConnectNonBlocking(server_->port(), p);
    if (fd < 0) return absl::UnavailableError("cannot connect a publisher");
    publishers_.push_back(loop_->Add(fd, std::make_unique<Publisher>(), ""));
  }
  return absl::OkStatus();
}

void RedisFanout::Send(int group, int sender, int64_t scheduled_ns,
                       std::function<void(int64_t sequence)> acked) {
  const int64_t sequence = ++sequences_[static_cast<size_t>(group)];
  loop_->Send(
      publishers_[static_cast<size_t>(group % kPublishers)],
      RespCommand({"PUBLISH", ChannelOf(group), MakePayload(scheduled_ns, sender, sequence)}));
  acked(sequence);
}

void RedisFanout::Disconnect() { loop_.reset(); }

}  // namespace parta::loadgen
