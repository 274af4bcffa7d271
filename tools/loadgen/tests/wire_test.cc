#include <catch2/catch.hpp>

#include "tools/loadgen/wire/mqtt.h"
#include "tools/loadgen/wire/resp.h"
#include "tools/loadgen/wire/websocket.h"

namespace parta::loadgen {
namespace {

// A server frame as a server writes it: unmasked.
std::string ServerText(const std::string& payload, bool fin = true, uint8_t opcode = 1) {
  std::string frame(1, static_cast<char>((fin ? 0x80 : 0) | opcode));
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(payload.size()));
  } else {
    frame.push_back(126);
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  }
  return frame + payload;
}

TEST_CASE("A client frame is masked and unmasks to its payload", "[loadgen][unit]") {
  const std::string payload = "{\"type\":\"ping\"} и кириллица";
  const std::string frame = ClientFrame(Opcode::kText, payload, 0x01020304);
  REQUIRE(static_cast<uint8_t>(frame[0]) == 0x81);
  REQUIRE((static_cast<uint8_t>(frame[1]) & 0x80) != 0);
  REQUIRE((static_cast<uint8_t>(frame[1]) & 0x7f) == payload.size());
  const uint8_t key[4] = {1, 2, 3, 4};
  std::string unmasked;
  for (size_t i = 0; i < payload.size(); ++i) {
    unmasked.push_back(static_cast<char>(static_cast<uint8_t>(frame[6 + i]) ^ key[i % 4]));
  }
  CHECK(unmasked == payload);
  CHECK(ClientFrame(Opcode::kText, std::string(300, 'x')).size() == 300 + 8);
  CHECK(ClientFrame(Opcode::kText, std::string(70000, 'x')).size() == 70000 + 14);
}

TEST_CASE("Server frames parse whole, wait when cut, and refuse masked ones", "[loadgen][unit]") {
  const std::string big(1000, 'y');
  const std::string both = ServerText("hello") + ServerText(big);
  ServerFrame frame;
  REQUIRE(ParseServerFrame(both, frame) == 7);
  CHECK(frame.payload == "hello");
  CHECK(frame.fin);
  CHECK(frame.opcode == Opcode::kText);
  REQUIRE(ParseServerFrame(absl::string_view(both).substr(7), frame) == 1004);
  CHECK(frame.payload == big);
  for (size_t cut = 0; cut < both.size() - 7; ++cut) {
    CHECK(ParseServerFrame(absl::string_view(both).substr(7, cut), frame) == 0);
  }
  std::string masked = ServerText("x");
  masked[1] = static_cast<char>(masked[1] | 0x80);
  CHECK(ParseServerFrame(masked, frame) == -1);
  CHECK(ParseServerFrame(ServerText(std::string(200, 'p'), true, 9), frame) == -1);
  REQUIRE(ParseServerFrame(ServerText("part", false), frame) == 6);
  CHECK_FALSE(frame.fin);
}

TEST_CASE("The upgrade answer is recognised once complete", "[loadgen][unit]") {
  bool accepted = false;
  CHECK(ParseUpgradeAnswer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n",
                           accepted) == 0);
  const std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
  CHECK(ParseUpgradeAnswer(answer + "\x81\x01x", accepted) == answer.size());
  CHECK(accepted);
  CHECK(ParseUpgradeAnswer("HTTP/1.1 401 Unauthorized\r\n\r\n", accepted) > 0);
  CHECK_FALSE(accepted);
}

TEST_CASE("MQTT packets round-trip and lengths use the variable-length integer",
          "[loadgen][unit]") {
  const std::string payload(200, 'm');  // remaining length above 127: two length bytes
  const std::string publish = MqttPublish(513, "lg/7", payload);
  CHECK(static_cast<uint8_t>(publish[0]) == 0x32);
  MqttPacket packet;
  REQUIRE(ParseMqttPacket(publish, packet) == static_cast<int64_t>(publish.size()));
  MqttPublished published;
  REQUIRE(ParseMqttPublish(packet, published));
  CHECK(published.topic == "lg/7");
  CHECK(published.packet_id == 513);
  CHECK(published.payload == payload);
  CHECK(ParseMqttPacket(absl::string_view(publish).substr(0, publish.size() - 1), packet) == 0);
  const std::string ack = MqttPubAck(513);
  REQUIRE(ParseMqttPacket(ack, packet) == 4);
  CHECK(packet.type == MqttType::kPubAck);
  const std::string subscribe = MqttSubscribe(1, "lg/7");
  REQUIRE(ParseMqttPacket(subscribe, packet) > 0);
  CHECK(packet.type == MqttType::kSubscribe);
  CHECK(packet.flags == 0x02);
  const std::string connect = MqttConnect("r1", 600);
  REQUIRE(ParseMqttPacket(connect, packet) > 0);
  CHECK(packet.body.substr(0, 6) == absl::string_view("\0\4MQTT", 6));
  const std::string broken = "\x30\xff\xff\xff\xff\x01";
  CHECK(ParseMqttPacket(broken, packet) == -1);
}

TEST_CASE("RESP commands encode and pushes parse", "[loadgen][unit]") {
  CHECK(RespCommand({"PUBLISH", "lg:1", "привет"}) ==
        "*3\r\n$7\r\nPUBLISH\r\n$4\r\nlg:1\r\n$12\r\nпривет\r\n");
  std::vector<absl::string_view> items;
  const std::string push = "*3\r\n$7\r\nmessage\r\n$4\r\nlg:1\r\n$5\r\nhello\r\n:7\r\n";
  REQUIRE(ParseRespReply(push, items) == static_cast<int64_t>(push.size() - 4));
  CHECK(items == std::vector<absl::string_view>{"message", "lg:1", "hello"});
  REQUIRE(ParseRespReply(absl::string_view(push).substr(push.size() - 4), items) == 4);
  CHECK(items == std::vector<absl::string_view>{"7"});
  for (size_t cut = 0; cut < push.size() - 4; ++cut) {
    CHECK(ParseRespReply(absl::string_view(push).substr(0, cut), items) == 0);
  }
  CHECK(ParseRespReply("*1\r\n*1\r\n:1\r\n", items) == -1);
  CHECK(ParseRespReply("?what\r\n", items) == -1);
}

}  // namespace
}  // namespace parta::loadgen
