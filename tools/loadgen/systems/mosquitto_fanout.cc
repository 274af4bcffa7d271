#include "tools/loadgen/systems/mosquitto_fanout.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"
#include "tools/bench/core/http_load.h"
#include "tools/loadgen/wire/mqtt.h"

namespace parta::loadgen {
namespace {

constexpr int kPublishers = 16;
constexpr uint16_t kKeepAliveSeconds = 600;

std::string TopicOf(int group) { return absl::StrCat("lg/", group); }

// An MQTT client: CONNECT, then SUBSCRIBE (receivers), then PUBLISH packets to acknowledge.
class MqttClient final : public Session {
 public:
  // `receiver` < 0: a publisher, which only reads the broker's acknowledgements.
  MqttClient(int receiver, int group, Deliveries* deliveries, Readiness& readiness)
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
          readiness_.ready.fetch_add(1);
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
    if (receiver_ >= 0) readiness_.refused.fetch_add(1);
  }

 private:
  const int receiver_;
  const int group_;
  Deliveries* deliveries_;
  Readiness& readiness_;
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

MosquittoFanout::MosquittoFanout(std::unique_ptr<ServerProcess> server, int groups, int members)
    : server_(std::move(server)), groups_(groups), members_(members) {}

absl::StatusOr<std::vector<int64_t>> MosquittoFanout::Baselines() {
  sequences_.assign(static_cast<size_t>(groups_), 0);
  return sequences_;
}

absl::Status MosquittoFanout::Connect(Deliveries& deliveries) {
  loop_ = std::make_unique<ClientLoop>();
  readiness_ = std::make_unique<Readiness>();
  RETURN_IF_ERROR(ConnectAll(*loop_, server_->port(), groups_ * members_, *readiness_, [&](int r) {
    return std::make_pair(std::make_unique<MqttClient>(r, r / members_, &deliveries, *readiness_),
                          MqttConnect(absl::StrCat("r", r), kKeepAliveSeconds));
  }));
  // MQTT lets a client publish right after its CONNECT.
  publishers_.clear();
  for (int p = 0; p < kPublishers; ++p) {
    const int fd = ConnectNonBlocking(server_->port(), p);
    if (fd < 0) return absl::UnavailableError("cannot connect a publisher");
    publishers_.push_back(loop_->Add(fd, std::make_unique<MqttClient>(-1, 0, nullptr, *readiness_),
                                     MqttConnect(absl::StrCat("p", p), kKeepAliveSeconds)));
  }
  packet_ids_.assign(kPublishers, 0);
  return absl::OkStatus();
}

void MosquittoFanout::Send(int group, int sender, int64_t scheduled_ns,
                           std::function<void(int64_t sequence)> acked) {
  const int64_t sequence = ++sequences_[static_cast<size_t>(group)];
  const auto publisher = static_cast<size_t>(group % kPublishers);
  uint16_t& packet_id = packet_ids_[publisher];
  if (++packet_id == 0) packet_id = 1;
  loop_->Send(publishers_[publisher],
              MqttPublish(packet_id, TopicOf(group), MakePayload(scheduled_ns, sender, sequence)));
  acked(sequence);
}

void MosquittoFanout::Disconnect() { loop_.reset(); }

}  // namespace parta::loadgen
