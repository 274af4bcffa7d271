#include "tools/loadgen/wire/mqtt.h"

namespace parta::loadgen {
namespace {

void AppendU16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xff));
}

void AppendString(std::string& out, absl::string_view value) {
  AppendU16(out, static_cast<uint16_t>(value.size()));
  out.append(value.data(), value.size());
}

// The fixed header (type, flags, remaining length as a variable-length integer) and the body.
std::string Packet(MqttType type, uint8_t flags, const std::string& body) {
  std::string packet;
  packet.push_back(static_cast<char>((static_cast<uint8_t>(type) << 4) | flags));
  size_t remaining = body.size();
  do {
    uint8_t byte = remaining % 128;
    remaining /= 128;
    if (remaining > 0) byte |= 0x80;
    packet.push_back(static_cast<char>(byte));
  } while (remaining > 0);
  return packet + body;
}

uint16_t ReadU16(absl::string_view in, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(in[at]) << 8) |
                               static_cast<uint8_t>(in[at + 1]));
}

}  // namespace

std::string MqttConnect(absl::string_view client_id, uint16_t keep_alive_seconds) {
  std::string body;
  AppendString(body, "MQTT");
  body.push_back(4);     // protocol level 3.1.1
  body.push_back(0x02);  // clean session
  AppendU16(body, keep_alive_seconds);
  AppendString(body, client_id);
  return Packet(MqttType::kConnect, 0, body);
}

std::string MqttSubscribe(uint16_t packet_id, absl::string_view topic) {
  std::string body;
  AppendU16(body, packet_id);
  AppendString(body, topic);
  body.push_back(1);  // QoS 1
  return Packet(MqttType::kSubscribe, 0x02, body);
}

std::string MqttPublish(uint16_t packet_id, absl::string_view topic, absl::string_view payload) {
  std::string body;
  AppendString(body, topic);
  AppendU16(body, packet_id);
  body.append(payload.data(), payload.size());
  return Packet(MqttType::kPublish, 0x02, body);  // QoS 1, not a duplicate, not retained
}

std::string MqttPubAck(uint16_t packet_id) {
  std::string body;
  AppendU16(body, packet_id);
  return Packet(MqttType::kPubAck, 0, body);
}

int64_t ParseMqttPacket(absl::string_view in, MqttPacket& packet) {
  if (in.size() < 2) return 0;
  size_t remaining = 0;
  size_t at = 1;
  for (int shift = 0;; shift += 7) {
    if (at >= in.size()) return 0;
    if (shift > 21) return -1;
    const auto byte = static_cast<uint8_t>(in[at++]);
    remaining |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  if (in.size() < at + remaining) return 0;
  packet.type = static_cast<MqttType>(static_cast<uint8_t>(in[0]) >> 4);
  packet.flags = static_cast<uint8_t>(in[0]) & 0x0f;
  packet.body = in.substr(at, remaining);
  return static_cast<int64_t>(at + remaining);
}

bool ParseMqttPublish(const MqttPacket& packet, MqttPublished& published) {
  const absl::string_view body = packet.body;
  if (packet.type != MqttType::kPublish || body.size() < 2) return false;
  const size_t topic_size = ReadU16(body, 0);
  size_t at = 2 + topic_size;
  if (body.size() < at) return false;
  published.topic = body.substr(2, topic_size);
  const int qos = (packet.flags >> 1) & 0x03;
  published.packet_id = 0;
  if (qos > 0) {
    if (body.size() < at + 2) return false;
    published.packet_id = ReadU16(body, at);
    at += 2;
  }
  published.payload = body.substr(at);
  return true;
}

}  // namespace parta::loadgen
