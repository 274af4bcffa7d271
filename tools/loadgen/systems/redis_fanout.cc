#include "tools/loadgen/systems/redis_fanout.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"
#include "tools/bench/core/http_load.h"
#include "tools/loadgen/wire/resp.h"

namespace parta::loadgen {
namespace {

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
class Publishing final : public Session {
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

BrokerFanout::Opening RedisFanout::Receiver(int receiver, int group, Deliveries& deliveries,
                                            Readiness& readiness) {
  return {std::make_unique<Subscriber>(receiver, deliveries, readiness),
          RespCommand({"SUBSCRIBE", ChannelOf(group)})};
}

BrokerFanout::Opening RedisFanout::Publisher(int) { return {std::make_unique<Publishing>(), ""}; }

std::string RedisFanout::Post(int, int group, const std::string& payload) {
  return RespCommand({"PUBLISH", ChannelOf(group), payload});
}

}  // namespace parta::loadgen
