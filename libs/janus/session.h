#pragma once

// A Janus session over the plain-HTTP Janus API: one per (process, Janus server). It attaches
// plugin handles, sends them requests, and runs one long-poll thread that both keeps the session
// alive and delivers what Janus sends: answers to asynchronous requests go back to the caller
// waiting for them (matched by transaction), everything else goes to the owner's callback.
//
// The session id survives a restart of our process: Resume() takes it up again while Janus still
// holds it (within Janus's session_timeout).

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/http/client.h"
#include "libs/janus/protocol.h"

namespace parta::janus {

// Something Janus sent on its own about a handle (or about the session).
struct Event {
  uint64_t handle_id = 0;  // the handle ("sender"); 0 for the session itself
  // "event" (a plugin event: VideoRoom "publishers", "leaving", "unpublished", "kicked",
  // "talking", "moderation", "destroyed", …), "webrtcup", "media", "slowlink", "hangup",
  // "detached", "trickle".
  std::string janus;
  // Set when the event answers a request nobody waits for any more (its wait timed out).
  std::string transaction;
  // For "event" the plugin's data (plugindata.data); otherwise the whole message.
  nlohmann::json data;
  std::optional<nlohmann::json> jsep;  // an SDP offer or answer from Janus, if any
};

// The answer to a plugin request.
struct PluginReply {
  nlohmann::json data;  // plugindata.data, e.g. {"videoroom":"joined","id":…,"private_id":…}
  std::optional<nlohmann::json> jsep;  // Janus's SDP offer or answer, if any
};

// A trickled ICE candidate, as a browser's RTCIceCandidate gives it.
struct IceCandidate {
  std::string sdp_mid;
  int sdp_mline_index = 0;
  std::string candidate;  // "candidate:…"
};

struct SessionOptions {
  std::string url;         // the Janus API root, e.g. "http://127.0.0.1:18088/janus"
  std::string api_secret;  // Janus's api_secret (janus.jcfg)
  absl::Duration request_timeout = absl::Seconds(10);  // every POST, and Message()'s wait
  // A long poll is held by Janus for up to 30 s; a poll without an answer after this long
  // counts as a failure.
  absl::Duration poll_timeout = absl::Seconds(45);
  int max_events = 10;  // events per long poll
  // Polls that fail in a row (Janus unreachable) before the session counts as lost, and the pause
  // between them. A 404 (the session is gone on Janus) is lost at once.
  int poll_attempts = 3;
  absl::Duration poll_retry_delay = absl::Milliseconds(300);
};

// What the owner hears from the poll thread. Both run on that thread, one at a time, and must
// not block: no MessageAndWait(), no Stop() or Destroy() from inside them.
struct SessionCallbacks {
  std::function<void(Event)> on_event;
  // Called once when the session is gone: Janus stopped answering, or the session timed out or
  // was destroyed on Janus. The status says which (JANUS_UNAVAILABLE, JANUS_SESSION_NOT_FOUND).
  // Calls on this Janus should be ended. Not called after Stop() or Destroy().
  std::function<void(absl::Status)> on_lost;
};

class JanusSession {
 public:
  // Creates a new session on Janus and starts polling it.
  static absl::StatusOr<std::unique_ptr<JanusSession>> Create(SessionOptions options,
                                                              SessionCallbacks callbacks);
  // Takes up an existing session (after a restart of this process) and starts polling it; its
  // handles stay valid. NOT_FOUND (JANUS_SESSION_NOT_FOUND) when Janus no longer has it. (It
  // attaches and detaches a throwaway handle on the way, so that no event is lost to a long poll
  // of the previous process still parked on Janus.)
  static absl::StatusOr<std::unique_ptr<JanusSession>> Resume(SessionOptions options,
                                                              uint64_t session_id,
                                                              SessionCallbacks callbacks);
  // Stop(): the session stays on Janus (until its timeout) for another process to resume.
  ~JanusSession();
  JanusSession(const JanusSession&) = delete;
  JanusSession& operator=(const JanusSession&) = delete;

  // Janus's id of this session.
  uint64_t id() const { return id_; }

  // Attaches a handle to `plugin` (e.g. kVideoRoomPlugin); `opaque_id` shows in Janus's admin
  // API and event handlers (never put personal data in it). Returns the handle id.
  absl::StatusOr<uint64_t> Attach(absl::string_view plugin, absl::string_view opaque_id);
  // Detaches a handle: its PeerConnection closes and the plugin forgets it (a VideoRoom
  // participant leaves).
  absl::Status Detach(uint64_t handle);
  // Closes the handle's PeerConnection but keeps the handle.
  absl::Status Hangup(uint64_t handle);

  // A plugin request answered synchronously (VideoRoom create, exists, allowed, kick, moderate,
  // listparticipants, …): returns plugindata.data. If Janus only acknowledges the request, waits
  // up to request_timeout for its event, so asynchronous requests work here too. Plugin errors
  // become statuses (errors.h).
  absl::StatusOr<nlohmann::json> Message(uint64_t handle, const nlohmann::json& body,
                                         const std::optional<nlohmann::json>& jsep = std::nullopt);
  // A plugin request answered by an event (VideoRoom join, publish, configure, start, leave, …):
  // waits up to `timeout` in all. DEADLINE_EXCEEDED (JANUS_TIMEOUT) when no event came in time;
  // a late event then goes to on_event with its transaction. UNAVAILABLE or NOT_FOUND when the
  // session is lost meanwhile, CANCELLED after Stop().
  absl::StatusOr<PluginReply> MessageAndWait(uint64_t handle, const nlohmann::json& body,
                                             const std::optional<nlohmann::json>& jsep,
                                             absl::Duration timeout);

  // Passes a client's ICE candidate to Janus, and tells it that no more will come.
  absl::Status Trickle(uint64_t handle, const IceCandidate& candidate);
  absl::Status TrickleCompleted(uint64_t handle);

  // Destroys the session on Janus (with all its handles) and stops polling. OK too when Janus had
  // already forgotten it.
  absl::Status Destroy();
  // Stops polling without touching the session on Janus; waiting requests end with CANCELLED.
  // Idempotent.
  void Stop();

  // True once on_lost has fired.
  bool lost() const;

 private:
  struct Waiter;

  JanusSession(SessionOptions options, http::Url url, SessionCallbacks callbacks);
  void StartPolling();
  void PollLoop();
  // Handles one message of a long poll; false when the session is over.
  bool Dispatch(const nlohmann::json& message);
  void Lose(absl::Status status);

  // "/janus/<session>" or "/janus/<session>/<handle>".
  std::string SessionPath(std::optional<uint64_t> handle) const;
  // POSTs a core request ("janus": `verb`, plus `fields`) to `target`; returns the answer after
  // checking it for a core error.
  absl::StatusOr<nlohmann::json> PostTo(const std::string& target, absl::string_view verb,
                                        nlohmann::json fields, const std::string& transaction);
  // PostTo() the session (no handle) or one of its handles.
  absl::StatusOr<nlohmann::json> Post(std::optional<uint64_t> handle, absl::string_view verb,
                                      nlohmann::json fields, const std::string& transaction);
  absl::StatusOr<PluginReply> Send(uint64_t handle, const nlohmann::json& body,
                                   const std::optional<nlohmann::json>& jsep,
                                   absl::Duration timeout);
  // The status waiting requests get when polling ends, or OK while it runs.
  absl::Status EndedStatus() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SessionOptions options_;
  const http::Url url_;
  const std::string root_;     // the URL's path without a trailing '/': "/janus"
  uint64_t id_ = 0;            // set before polling starts, never changed after
  uint64_t flush_handle_ = 0;  // Resume()'s throwaway handle, whose events are dropped
  const SessionCallbacks callbacks_;
  http::Client requests_;  // POSTs
  http::Client poll_;      // the long poll, so Stop() can cut it without touching requests
  std::thread poll_thread_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Waiter*> waiters_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool destroying_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> lost_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::janus
