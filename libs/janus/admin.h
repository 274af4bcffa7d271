#pragma once

// Janus's admin API for the backend: VideoRoom room management through `message_plugin` (no
// session or handle needed), a health check, and a load figure for placing calls.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/http/client.h"

namespace parta::janus {

struct AdminOptions {
  std::string url;           // the admin root, e.g. "http://127.0.0.1:17088/admin"
  std::string admin_secret;  // janus.jcfg admin_secret
  std::string admin_key;     // the VideoRoom plugin's admin_key (needed to create rooms)
  absl::Duration timeout = absl::Seconds(5);  // per request
};

// A new VideoRoom room. The room is always protected by its secret (for every management request)
// and by the `allowed` token list (for joining); the list is enforced even when empty.
struct RoomOptions {
  uint64_t room = 0;                 // 0: Janus picks the id
  std::string description;           // shows in Janus's admin tools; no personal data
  std::string secret;                // required by destroy, allowed, kick, moderate
  std::string pin;                   // required by join; empty for none
  int publishers = 25;               // the most publishers at once
  std::vector<std::string> allowed;  // join tokens
  std::string videocodec = "vp8";    // comma-separated, in order of preference
  std::string audiocodec = "opus";
  int bitrate = 0;             // publishers' cap in bit/s; 0: Janus's default
  bool is_private = true;      // hidden from a `list` without the admin_key
  bool notify_joining = true;  // participants hear of joins, not only of publishers
  bool require_pvtid = true;   // subscribers must prove they are participants
};

// A participant of a room as listparticipants tells it.
struct Participant {
  uint64_t id = 0;
  std::string display;
  bool publisher = false;  // currently publishing
  bool talking = false;    // only with audio level events
};

// What a Janus carries, to place new calls on the least loaded one.
struct JanusLoad {
  size_t sessions = 0;      // Janus API sessions (every signaling process holds one)
  size_t rooms = 0;         // VideoRoom rooms
  size_t participants = 0;  // VideoRoom participants over all rooms (publishers, not viewers)
};

// Thread-safe; one per Janus server.
class JanusAdmin {
 public:
  // INVALID_ARGUMENT (JANUS_BAD_URL) for a URL that is not http://.
  static absl::StatusOr<std::unique_ptr<JanusAdmin>> Create(AdminOptions options);

  // OK when Janus answers `ping` (no secret involved): the liveness check.
  absl::Status Ping();
  // Sessions, rooms and participants; needs the admin secret and key.
  absl::StatusOr<JanusLoad> Load();

  // Creates a room; returns its id. ALREADY_EXISTS (JANUS_ROOM_EXISTS) for a taken id.
  absl::StatusOr<uint64_t> CreateRoom(const RoomOptions& options);
  // Destroys a room; its participants hear "destroyed" and their PeerConnections close.
  absl::Status DestroyRoom(uint64_t room, absl::string_view secret);
  // Whether the room exists.
  absl::StatusOr<bool> RoomExists(uint64_t room);
  // Adds join tokens to the room's allowed list; returns the whole list.
  absl::StatusOr<std::vector<std::string>> AllowTokens(uint64_t room, absl::string_view secret,
                                                       const std::vector<std::string>& tokens);
  // Removes join tokens (a kicked person cannot come back with them); returns the whole list.
  absl::StatusOr<std::vector<std::string>> DisallowTokens(uint64_t room, absl::string_view secret,
                                                          const std::vector<std::string>& tokens);
  // Throws a participant out (his PeerConnections close). It does not ban: remove his token first.
  absl::Status Kick(uint64_t room, absl::string_view secret, uint64_t participant);
  // Mutes (or lifts the mute of) one m-line of a publisher at the SFU: Janus stops relaying it
  // whatever the client does. NOT_FOUND (JANUS_FEED_NOT_FOUND) if he publishes no such mid.
  absl::Status Moderate(uint64_t room, absl::string_view secret, uint64_t participant,
                        absl::string_view mid, bool mute);
  // The room's participants. NOT_FOUND (JANUS_ROOM_NOT_FOUND) for an unknown room.
  absl::StatusOr<std::vector<Participant>> ListParticipants(uint64_t room);

  // Any other synchronous VideoRoom request; returns the plugin's response after checking it for
  // an error_code.
  absl::StatusOr<nlohmann::json> VideoRoomRequest(const nlohmann::json& request);

 private:
  JanusAdmin(AdminOptions options, http::Url url);
  // POSTs an admin request ("janus": `verb`, plus `fields`); returns the answer after checking it
  // for a core error.
  absl::StatusOr<nlohmann::json> Call(absl::string_view verb, nlohmann::json fields);
  absl::StatusOr<std::vector<std::string>> ChangeAllowed(uint64_t room, absl::string_view secret,
                                                         absl::string_view action,
                                                         const std::vector<std::string>& tokens);

  const AdminOptions options_;
  const http::Url url_;
  http::Client http_;
};

}  // namespace parta::janus
