#pragma once

// CallMedia over Janus VideoRoom (libs/janus), on one or more Janus instances that share their
// secrets. Clients never talk to Janus: every JSEP message goes through here.
//
// - Placement: a new call's room goes to the instance that answers with the fewest VideoRoom
//   participants (then rooms). Rooms are private, need a private_id from subscribers, take only
//   the join tokens Parta adds, and are managed with a secret (and joined with a pin) derived
//   from the admin key and the room id (HMAC-SHA256), so no secret is stored anywhere.
// - One Janus API session per instance, shared by everything this process does there. Its id is
//   kept in Redis, so a restarted process resumes it (and the calls on it go on); when Janus no
//   longer has it, a new one is made and the calls placed there before are over.
// - What each participant has on Janus (his publisher handle, feed id, private_id, join token,
//   the mids of his audio; his subscriptions' handles) is in Redis, a hash per call, so a restart
//   loses nothing. A handle's owner is also remembered in memory to route Janus's events.
// - Janus's events arrive on the session's poll thread; they are handed to a thread of this
//   class. A publisher's PeerConnection coming up (`webrtcup`) or going down (`hangup`,
//   `unpublished`) is reported through `on_publishing`; a lost instance through `on_server_lost`.
//
// Errors: Janus failures are UNAVAILABLE `MEDIA_SERVER_UNAVAILABLE`, except an SDP that Janus
// refuses (INVALID_ARGUMENT `INVALID_SDP`), a feed that is not there (FAILED_PRECONDITION
// `PEER_NOT_PUBLISHING`), someone else's or an unknown subscription (NOT_FOUND
// `SUBSCRIPTION_NOT_FOUND`), a trickle for a publication that does not exist (NOT_FOUND
// `NOT_PUBLISHING`) and no instance for a new room (FAILED_PRECONDITION `NO_MEDIA_SERVER`).
//
// Limit: the session of an instance is meant for one signaling process at a time (Janus hands
// each event to one long poll); several processes sharing one Janus would need the replies to
// their requests passed between them.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/core/executor.h"
#include "libs/core/periodic.h"
#include "libs/janus/admin.h"
#include "libs/janus/session.h"
#include "libs/redis/client.h"
#include "services/signaling/sfu/call_media.h"

namespace parta::signaling {

// One Janus: its API and admin roots.
struct JanusServer {
  std::string api_url;    // "http://10.0.0.5:8088/janus"; names the instance in calls
  std::string admin_url;  // "http://10.0.0.5:7088/admin"
};

struct JanusSettings {
  std::vector<JanusServer> servers;  // none: no SFU
  std::string api_secret;            // janus.jcfg api_secret, shared by every instance
  std::string admin_secret;          // janus.jcfg admin_secret
  std::string admin_key;             // the VideoRoom plugin's admin_key
  int publishers = 100;              // a room's publishers at most (the SFU capacity)
  absl::Duration request_timeout = absl::Seconds(10);  // every request to Janus
  // How often an instance without a session is tried again.
  absl::Duration reconnect_interval = absl::Seconds(2);
  // Events waiting for the event thread at most (beyond, they are dropped with a warning).
  size_t event_queue = 10000;

  bool enabled() const { return !servers.empty(); }
};

struct JanusMediaCallbacks {
  // A participant's publication reached Janus (true) or stopped (false).
  std::function<void(const std::string& call_id, const std::string& user_id, bool publishing)>
      on_publishing;
  // An instance was lost (it stopped answering, or forgot our session): its calls are over.
  std::function<void(const std::string& media_server)> on_server_lost;
};

class JanusMedia final : public CallMedia {
 public:
  // INVALID_ARGUMENT for a URL that is not http://, or without secrets.
  static absl::StatusOr<std::unique_ptr<JanusMedia>> Create(JanusSettings settings,
                                                            redis::Pool& redis,
                                                            JanusMediaCallbacks callbacks);
  ~JanusMedia() override;  // Stop()s.
  JanusMedia(const JanusMedia&) = delete;
  JanusMedia& operator=(const JanusMedia&) = delete;

  // Opens (or resumes) a session on every instance that answers, then keeps trying the others
  // in the background. Callbacks may run from here on.
  void Start();
  // Stops the background work and the sessions' polling; the sessions stay on Janus for the
  // next process. Idempotent.
  void Stop();

  absl::StatusOr<RoomPlace> CreateRoom(const std::string& call_id) override;
  absl::Status DestroyRoom(const RoomPlace& place) override;
  absl::Status Enter(const RoomPlace& place, const std::string& call_id,
                     const std::string& user_id) override;
  absl::StatusOr<v1::SessionDescription> Publish(const RoomPlace& place, const std::string& call_id,
                                                 const std::string& user_id,
                                                 const v1::SessionDescription& offer,
                                                 bool muted) override;
  absl::StatusOr<SubscriptionOffer> Subscribe(const RoomPlace& place, const std::string& call_id,
                                              const std::string& user_id,
                                              const std::string& publisher_id) override;
  absl::Status Answer(const std::string& call_id, const std::string& user_id,
                      const std::string& subscription_id,
                      const v1::SessionDescription& answer) override;
  absl::Status Trickle(const std::string& call_id, const std::string& user_id,
                       const std::string& subscription_id,
                       const std::vector<v1::IceCandidate>& candidates) override;
  absl::Status Mute(const RoomPlace& place, const std::string& call_id, const std::string& user_id,
                    bool muted) override;
  absl::Status Kick(const RoomPlace& place, const std::string& call_id,
                    const std::string& user_id) override;
  absl::Status Leave(const RoomPlace& place, const std::string& call_id,
                     const std::string& user_id) override;

  // The secret that manages a room (and the pin that joins it), derived from the admin key.
  static std::string RoomSecret(const std::string& admin_key, int64_t room);
  static std::string RoomPin(const std::string& admin_key, int64_t room);

 private:
  struct Server;
  struct Publisher;
  struct Subscription;
  struct CallRecords;
  // Who a handle belongs to, for Janus's events.
  struct Owner {
    std::string call_id;
    std::string user_id;
    bool publisher = false;
  };

  JanusMedia(JanusSettings settings, redis::Pool& redis, JanusMediaCallbacks callbacks,
             std::vector<std::unique_ptr<Server>> servers);

  Server* ServerOf(const std::string& media_server);
  // The server's session, or UNAVAILABLE when it has none now.
  absl::StatusOr<std::shared_ptr<janus::JanusSession>> SessionOf(Server& server);

  // Background upkeep: losses handled, missing sessions opened.
  void Maintain();
  // A session opened (or resumed) on a server.
  struct Connection {
    std::unique_ptr<janus::JanusSession> session;
    bool resumed = false;
  };
  // Resumes the server's session kept in Redis, or opens a new one; nullopt when the server
  // does not answer (logged once per outage).
  std::optional<Connection> Connect(Server& server);
  // The calls on a server are over: its rooms go (if it still answers), their records too,
  // and the owner hears of it.
  void Forget(Server& server);
  void OnEvent(Server& server, janus::Event event);

  // The call's records in Redis.
  absl::StatusOr<CallRecords> ReadCall(const std::string& call_id);
  absl::Status WritePublisher(const std::string& call_id, const std::string& user_id,
                              const Publisher& publisher);
  // Remembers (or forgets) a handle's owner in memory and in the server's Redis hash.
  absl::Status Own(Server& server, uint64_t handle, const Owner& owner);
  void Disown(Server& server, uint64_t handle);
  std::optional<Owner> OwnerOf(Server& server, uint64_t handle);
  // Detaches handles, forgetting their owners; failures are only logged (the handle may be gone).
  void DetachAll(Server& server, const std::vector<uint64_t>& handles);
  // Takes a participant's things off Janus: his publisher handle (and his token off the allowed
  // list), his subscriptions, and others' subscriptions to him. `kick`: thrown out by a host.
  absl::Status Clear(const RoomPlace& place, const std::string& call_id, const std::string& user_id,
                     bool kick);
  // Attaches and joins a fresh publisher handle for him.
  absl::StatusOr<Publisher> Join(Server& server, const RoomPlace& place, const std::string& call_id,
                                 const std::string& user_id);

  const JanusSettings settings_;
  redis::Pool& redis_;
  const JanusMediaCallbacks callbacks_;
  std::vector<std::unique_ptr<Server>> servers_;

  absl::Mutex owners_mu_;
  // (server index, handle) → owner.
  absl::flat_hash_map<std::pair<size_t, uint64_t>, Owner> owners_ ABSL_GUARDED_BY(owners_mu_);

  std::unique_ptr<BoundedExecutor> events_;  // one thread: events in order
  std::unique_ptr<PeriodicTask> upkeep_;
  // The upkeep to wake when a session is lost (from its poll thread); null outside Start–Stop.
  std::atomic<PeriodicTask*> upkeep_wake_{nullptr};
  std::atomic<bool> stopped_{false};
};

}  // namespace parta::signaling
