#include "libs/janus/session.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"
#include "libs/janus/errors.h"
#include "libs/janus/protocol.h"

namespace parta::janus {

using nlohmann::json;

// A request waiting for its event; lives on the waiting thread's stack.
struct JanusSession::Waiter {
  std::optional<absl::StatusOr<PluginReply>> result;
};

namespace {

// The reply carried by a "success" answer or an "event": plugindata.data and jsep.
absl::StatusOr<PluginReply> ReplyOf(const json& message) {
  PluginReply reply;
  if (message.contains("plugindata") && message["plugindata"].is_object() &&
      message["plugindata"].contains("data")) {
    reply.data = message["plugindata"]["data"];
  } else {
    return BadResponse("a plugin answer without plugindata");
  }
  RETURN_IF_ERROR(PluginStatus(reply.data));
  if (message.contains("jsep") && message["jsep"].is_object()) reply.jsep = message["jsep"];
  return reply;
}

// The name of a plugin request, for messages ("join", "configure", …).
std::string RequestName(const json& body) { return StringField(body, "request"); }

}  // namespace

JanusSession::JanusSession(SessionOptions options, http::Url url, SessionCallbacks callbacks)
    : options_(std::move(options)),
      url_(std::move(url)),
      root_(absl::StripSuffix(url_.path, "/")),
      callbacks_(std::move(callbacks)),
      requests_(url_.host, url_.port, {.reasons = kHttpReasons}),
      poll_(url_.host, url_.port, {.max_idle_connections = 1, .reasons = kHttpReasons}) {}

absl::StatusOr<std::unique_ptr<JanusSession>> JanusSession::Create(SessionOptions options,
                                                                   SessionCallbacks callbacks) {
  ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(options.url, kHttpReasons));
  std::unique_ptr<JanusSession> session(
      new JanusSession(std::move(options), std::move(url), std::move(callbacks)));
  const std::string target = session->root_.empty() ? "/" : session->root_;
  ASSIGN_OR_RETURN(json answer,
                   session->PostTo(target, "create", json::object(), NewTransaction()));
  ASSIGN_OR_RETURN(session->id_,
                   IdField(answer.contains("data") ? answer["data"] : json::object(), "id"));
  session->StartPolling();
  return session;
}

absl::StatusOr<std::unique_ptr<JanusSession>> JanusSession::Resume(SessionOptions options,
                                                                   uint64_t session_id,
                                                                   SessionCallbacks callbacks) {
  ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(options.url, kHttpReasons));
  std::unique_ptr<JanusSession> session(
      new JanusSession(std::move(options), std::move(url), std::move(callbacks)));
  session->id_ = session_id;
  // A keepalive proves that Janus still has the session (error 458 otherwise).
  RETURN_IF_ERROR(
      session->Post(std::nullopt, "keepalive", json::object(), NewTransaction()).status());
  // The previous process's long poll may still be parked on Janus, which does not notice closed
  // connections of parked polls (up to 30 s); it would swallow the next event. Janus hands an
  // event to every parked poll of the session at once, so one throwaway event flushes them all:
  // a handle's "detached".
  ASSIGN_OR_RETURN(session->flush_handle_, session->Attach(kVideoRoomPlugin, "parta-flush"));
  RETURN_IF_ERROR(session->Detach(session->flush_handle_));
  session->StartPolling();
  return session;
}

JanusSession::~JanusSession() { Stop(); }

void JanusSession::StartPolling() {
  poll_thread_ = std::thread([this] { PollLoop(); });
}

bool JanusSession::lost() const {
  absl::MutexLock lock(&mu_);
  return lost_.has_value();
}

absl::Status JanusSession::EndedStatus() const {
  if (stopped_) {
    return Error(absl::StatusCode::kCancelled, kStopped,
                 absl::StrCat("janus session ", id_, " was stopped"));
  }
  if (lost_) return *lost_;
  return absl::OkStatus();
}

std::string JanusSession::SessionPath(std::optional<uint64_t> handle) const {
  std::string path = absl::StrCat(root_, "/", id_);
  if (handle) absl::StrAppend(&path, "/", *handle);
  return path;
}

absl::StatusOr<json> JanusSession::PostTo(const std::string& target, absl::string_view verb,
                                          json fields, const std::string& transaction) {
  fields["janus"] = std::string(verb);
  fields["transaction"] = transaction;
  fields["apisecret"] = options_.api_secret;
  // Replacing invalid UTF-8 (say, in a client's SDP) instead of throwing.
  std::string body = fields.dump(-1, ' ', false, json::error_handler_t::replace);
  ASSIGN_OR_RETURN(http::Response response,
                   requests_.Post(target, std::move(body), options_.request_timeout));
  ASSIGN_OR_RETURN(json answer, ParseAnswer(response, verb));
  RETURN_IF_ERROR(CoreStatus(answer));
  return answer;
}

absl::StatusOr<json> JanusSession::Post(std::optional<uint64_t> handle, absl::string_view verb,
                                        json fields, const std::string& transaction) {
  return PostTo(SessionPath(handle), verb, std::move(fields), transaction);
}

absl::StatusOr<uint64_t> JanusSession::Attach(absl::string_view plugin,
                                              absl::string_view opaque_id) {
  json fields = {{"plugin", std::string(plugin)}};
  if (!opaque_id.empty()) fields["opaque_id"] = std::string(opaque_id);
  ASSIGN_OR_RETURN(json answer, Post(std::nullopt, "attach", std::move(fields), NewTransaction()));
  return IdField(answer.contains("data") ? answer["data"] : json::object(), "id");
}

absl::Status JanusSession::Detach(uint64_t handle) {
  return Post(handle, "detach", json::object(), NewTransaction()).status();
}

absl::Status JanusSession::Hangup(uint64_t handle) {
  return Post(handle, "hangup", json::object(), NewTransaction()).status();
}

absl::Status JanusSession::Trickle(uint64_t handle, const IceCandidate& candidate) {
  json fields = {{"candidate",
                  {{"sdpMid", candidate.sdp_mid},
                   {"sdpMLineIndex", candidate.sdp_mline_index},
                   {"candidate", candidate.candidate}}}};
  return Post(handle, "trickle", std::move(fields), NewTransaction()).status();
}

absl::Status JanusSession::TrickleCompleted(uint64_t handle) {
  json fields = {{"candidate", {{"completed", true}}}};
  return Post(handle, "trickle", std::move(fields), NewTransaction()).status();
}

absl::StatusOr<json> JanusSession::Message(uint64_t handle, const json& body,
                                           const std::optional<json>& jsep) {
  ASSIGN_OR_RETURN(PluginReply reply, Send(handle, body, jsep, options_.request_timeout));
  return std::move(reply.data);
}

absl::StatusOr<PluginReply> JanusSession::MessageAndWait(uint64_t handle, const json& body,
                                                         const std::optional<json>& jsep,
                                                         absl::Duration timeout) {
  return Send(handle, body, jsep, timeout);
}

absl::StatusOr<PluginReply> JanusSession::Send(uint64_t handle, const json& body,
                                               const std::optional<json>& jsep,
                                               absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string transaction = NewTransaction();
  Waiter waiter;
  {
    // Registered before the POST: the event may come back on the long poll before the POST's
    // own answer does.
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(EndedStatus());
    waiters_[transaction] = &waiter;
  }
  auto forget = [&] {
    absl::MutexLock lock(&mu_);
    waiters_.erase(transaction);
  };
  json fields = {{"body", body}};
  if (jsep) fields["jsep"] = *jsep;
  absl::StatusOr<json> answer = Post(handle, "message", std::move(fields), transaction);
  if (!answer.ok()) {
    forget();
    return answer.status();
  }
  const std::string kind = StringField(*answer, "janus");
  if (kind == "success") {
    forget();
    return ReplyOf(*answer);
  }
  if (kind != "ack") {
    forget();
    return BadResponse(absl::StrCat("'", kind, "' as the answer to a message"));
  }
  absl::MutexLock lock(&mu_);
  auto answered = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiter.result.has_value() || !EndedStatus().ok();
  };
  mu_.AwaitWithDeadline(absl::Condition(&answered), deadline);
  waiters_.erase(transaction);
  if (waiter.result) return std::move(*waiter.result);
  RETURN_IF_ERROR(EndedStatus());
  return Error(absl::StatusCode::kDeadlineExceeded, kTimeout,
               absl::StrCat("janus: no event for the '", RequestName(body), "' request within ",
                            absl::FormatDuration(timeout)));
}

void JanusSession::PollLoop() {
  const std::string target =
      absl::StrCat(SessionPath(std::nullopt), "?apisecret=", QueryEscape(options_.api_secret),
                   "&maxev=", options_.max_events);
  int failures = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) return;
    }
    absl::StatusOr<http::Response> response = poll_.Get(target, options_.poll_timeout);
    absl::Status failure;
    if (!response.ok()) {
      if (response.status().code() == absl::StatusCode::kCancelled) return;  // Stop()
      failure = response.status();
    } else if (response->status == 404) {
      // Janus answers a long poll on a session it does not know with a bare 404.
      Lose(NotFound(kSessionNotFound, absl::StrCat("janus: session ", id_, " is gone")));
      return;
    } else {
      absl::StatusOr<json> answer = ParseAnswer(*response, "long poll");
      if (answer.ok()) {
        failures = 0;
        if (!answer->is_array()) {
          if (!Dispatch(*answer)) return;
          continue;
        }
        for (const json& message : *answer) {
          if (!Dispatch(message)) return;
        }
        continue;
      }
      failure = answer.status();
    }
    if (++failures >= options_.poll_attempts) {
      Lose(Unavailable(kUnavailable,
                       absl::StrCat("janus: the long poll of session ", id_, " failed ", failures,
                                    " times: ", failure.message())));
      return;
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopped_), options_.poll_retry_delay);
  }
}

bool JanusSession::Dispatch(const json& message) {
  if (!message.is_object()) return true;
  Event event;
  event.janus = StringField(message, "janus");
  if (event.janus == "keepalive") return true;
  if (event.janus == "timeout") {
    Lose(NotFound(kSessionNotFound, absl::StrCat("janus: session ", id_, " timed out")));
    return false;
  }
  if (message.contains("sender") && message["sender"].is_number_unsigned()) {
    event.handle_id = message["sender"].get<uint64_t>();
  }
  if (flush_handle_ != 0 && event.handle_id == flush_handle_) return true;
  event.transaction = StringField(message, "transaction");
  if (event.janus == "event") {
    if (message.contains("plugindata") && message["plugindata"].is_object() &&
        message["plugindata"].contains("data")) {
      event.data = message["plugindata"]["data"];
    } else {
      event.data = json::object();
    }
  } else {
    event.data = message;
  }
  if (message.contains("jsep") && message["jsep"].is_object()) event.jsep = message["jsep"];

  if (!event.transaction.empty() && (event.janus == "event" || event.janus == "error")) {
    absl::MutexLock lock(&mu_);
    auto it = waiters_.find(event.transaction);
    if (it != waiters_.end()) {
      Waiter* waiter = it->second;
      waiters_.erase(it);
      if (event.janus == "error") {
        waiter->result = CoreStatus(message);
      } else {
        absl::Status status = PluginStatus(event.data);
        if (status.ok()) {
          waiter->result = PluginReply{std::move(event.data), std::move(event.jsep)};
        } else {
          waiter->result = std::move(status);
        }
      }
      return true;
    }
  }
  if (callbacks_.on_event) callbacks_.on_event(std::move(event));
  return true;
}

void JanusSession::Lose(absl::Status status) {
  bool tell;
  {
    absl::MutexLock lock(&mu_);
    if (lost_ || stopped_) return;
    lost_ = status;  // wakes every waiting request
    tell = !destroying_;
  }
  if (tell && callbacks_.on_lost) callbacks_.on_lost(std::move(status));
}

void JanusSession::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  poll_.Shutdown();
  if (!poll_thread_.joinable()) return;
  if (poll_thread_.get_id() == std::this_thread::get_id()) {
    // Joining itself would hang forever: a callback must hand such work to another thread.
    std::fputs("parta::janus::JanusSession stopped from its own callback\n", stderr);
    std::abort();
  }
  poll_thread_.join();
}

absl::Status JanusSession::Destroy() {
  {
    absl::MutexLock lock(&mu_);
    destroying_ = true;
  }
  absl::StatusOr<json> answer = Post(std::nullopt, "destroy", json::object(), NewTransaction());
  Stop();
  if (!answer.ok() && ReasonOf(answer.status()) != kSessionNotFound) return answer.status();
  return absl::OkStatus();
}

}  // namespace parta::janus
