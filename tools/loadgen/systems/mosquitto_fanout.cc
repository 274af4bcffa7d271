#include "tools/loadgen/systems/mosquitto_fanout.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"
#include "tools/bench/core/http_load.h"
#include "tools/loadgen/wire/mqtt.h"

namespace parta::loadgen {
namespace {

constexpr uint16_t kKeepAliveSeconds = 600;

std::string TopicOf(int group) { return absl::StrCat("lg/", group); }

// An MQTT client: CONNECT, then SUBSCRIBE (receivers), then PUBLISH packets to acknowledge.
class MqttClient final : public Session {
 public:
  // `receiver` < 0: a publisher, which only reads the broker's acknowledgements.
  MqttClient(int receiver, int group, Deliveries* deliveries, Readiness* readiness)
      : receiver_(receiver), group_(group), deliveries_(deliveries), readiness_(readiness) {}

  void Received(std::string& in, std::string& out) override {
    size_t at = 0;
    int64_t size = 0;
    MqttPacket packet;
    while ((size = ParseMqttPacket(absl::string_view(in).substr(at), packet)) > 0) {
      at += static_cast<size_t>(size);
      switch (packet.type) {
        case MqttType::kConnAck:
          if (receiver_ >= 0) out += MqttSubscribe(1, TopicOf(group_));
          break;
        case MqttType::kSubAck:
          if (readiness_ != nullptr) readiness_->ready.fetch_add(1);
          break;
        case MqttType::kPublish: {
          MqttPublished published;
          if (!ParseMqttPublish(packet, published)) break;
          if (published.packet_id != 0) out += MqttPubAck(published.packet_id);
          PayloadFields fields;
          if (deliveries_ != nullptr && ParsePayload(published.payload, fields)) {
            deliveries_->Received(receiver_, fields.sequence, fields.scheduled_ns, fields.sender,
                                  absl::GetCurrentTimeNanos());
          }
          break;
        }
        default:
          break;  // PUBACKs of the publishers' posts
      }
    }
    in.erase(0, size < 0 ? in.size() : at);
  }
  void Closed() override {
    if (readiness_ != nullptr) readiness_->refused.fetch_add(1);
  }

 private:
  const int receiver_;
  const int group_;
  Deliveries* deliveries_;
  Readiness* readiness_;  // nullptr for a publisher
};

}  // namespace

absl::StatusOr<std::unique_ptr<MosquittoFanout>> MosquittoFanout::Start(
    int groups, int members, const std::string& work_dir) {
  const int port = bench::FreePort();
  const std::string config = work_dir + "/mosquitto.conf";
  std::ofstream(config) << "listener " << port << " 127.0.0.1\n"
                        << "allow_anonymous true\npersistence false\n"
                        << "max_inflight_messages 0\nmax_queued_messages 100000\n"
                        << "max_connections -1\nlog_dest none\n";
  absl::StatusOr<ServerProcess> server =
      ServerProcess::Start({"/usr/sbin/mosquitto", "-c", config}, port);
  if (!server.ok()) return server.status();
  return std::unique_ptr<MosquittoFanout>(
      new MosquittoFanout(std::make_unique<ServerProcess>(std::move(*server)), groups, members));
}

BrokerFanout::Opening MosquittoFanout::Receiver(int receiver, int group, Deliveries& deliveries,
                                                Readiness& readiness) {
  return {std::make_unique<MqttClient>(receiver, group, &deliveries, &readiness),
          MqttConnect(absl::StrCat("r", receiver), kKeepAliveSeconds)};
}

// MQTT lets a client publish right after its CONNECT.
BrokerFanout::Opening MosquittoFanout::Publisher(int publisher) {
  return {std::make_unique<MqttClient>(-1, 0, nullptr, nullptr),
          MqttConnect(absl::StrCat("p", publisher), kKeepAliveSeconds)};
}

std::string MosquittoFanout::Post(int publisher, int group, const std::string& payload) {
  uint16_t& packet_id = packet_ids_[static_cast<size_t>(publisher)];
  if (++packet_id == 0) packet_id = 1;
  return MqttPublish(packet_id, TopicOf(group), payload);
}

}  // namespace parta::loadgen
