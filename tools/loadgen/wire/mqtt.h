#pragma once

// MQTT 3.1.1, as much as the Mosquitto reference needs: CONNECT, SUBSCRIBE and PUBLISH at QoS 1,
// PUBACK, and the broker's packets.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace parta::loadgen {

enum class MqttType : uint8_t {
  kConnect = 1,
  kConnAck = 2,
  kPublish = 3,
  kPubAck = 4,
  kSubscribe = 8,
  kSubAck = 9,
  kPingReq = 12,
  kPingResp = 13,
};

// CONNECT with a clean session and `keep_alive_seconds`.
std::string MqttConnect(absl::string_view client_id, uint16_t keep_alive_seconds);
// SUBSCRIBE to one topic filter at QoS 1.
std::string MqttSubscribe(uint16_t packet_id, absl::string_view topic);
// PUBLISH at QoS 1.
std::string MqttPublish(uint16_t packet_id, absl::string_view topic, absl::string_view payload);
std::string MqttPubAck(uint16_t packet_id);

struct MqttPacket {
  MqttType type = MqttType::kConnect;
  uint8_t flags = 0;
  absl::string_view body;  // after the fixed header; a view into the parsed buffer
};

// Parses one packet at the front of `in`: its length, 0 while incomplete, -1 when malformed.
int64_t ParseMqttPacket(absl::string_view in, MqttPacket& packet);

struct MqttPublished {
  absl::string_view topic;
  uint16_t packet_id = 0;  // 0 at QoS 0
  absl::string_view payload;
};

// The fields of a PUBLISH packet's body; false when malformed.
bool ParseMqttPublish(const MqttPacket& packet, MqttPublished& published);

}  // namespace parta::loadgen
