#include "libs/identity_client/account_feed.h"

#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::identity_client {

AccountFeed::AccountFeed(redis::Pool& redis, std::string events_key,
                         std::shared_ptr<::grpc::Channel> identity, TokenSource tokens,
                         Handler handler)
    : identity_(identity::v1::IdentityService::NewStub(std::move(identity))),
      tokens_(std::move(tokens)),
      handler_(std::move(handler)),
      consumer_(
          redis, std::move(events_key),
          [this](const std::string& stream, int64_t after, int limit) {
            return CatchUp(stream, after, limit);
          },
          [this](const Event& event) { return Apply(event); }) {}

namespace {

// How long one poll waits for Redis: well under the shortest command timeout of the services'
// Redis pools (the directory's, 500 ms), which a blocked read must not run into. An event wakes
// it at once.
constexpr absl::Duration kPollBlock = absl::Milliseconds(200);

}  // namespace

AccountFeed::~AccountFeed() { Stop(); }

void AccountFeed::Start(int64_t cursor) {
  consumer_.SetCursor(kAccountsStream, cursor);
  thread_ = std::thread([this] {
    if (absl::Status caught_up = consumer_.CatchUpStream(kAccountsStream); !caught_up.ok()) {
      log::Warning("account events not caught up; retried on the next gap")
          .With("error", caught_up.ToString());
    }
    bool failing = false;
    while (!stopping_.load()) {
      absl::Status polled = Poll(kPollBlock);
      if (polled.ok() == failing) {
        failing = !polled.ok();
        if (failing) {
          log::Warning("account feed paused").With("error", polled.ToString());
        } else {
          log::Info("account feed resumed");
        }
      }
      if (!polled.ok()) absl::SleepFor(absl::Milliseconds(500));
    }
  });
}

void AccountFeed::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

absl::Status AccountFeed::Poll(absl::Duration block) { return consumer_.Poll(block); }

absl::StatusOr<std::vector<Event>> AccountFeed::CatchUp(const std::string& stream, int64_t after,
                                                        int limit) {
  if (stream != kAccountsStream) return std::vector<Event>{};  // sessions: not ours
  ASSIGN_OR_RETURN(std::string token, tokens_());
  identity::v1::ListAccountEventsRequest request;
  request.set_after_sequence(after);
  request.set_page_size(std::min(limit, 1000));
  identity::v1::ListAccountEventsResponse response;
  auto context = grpc::MakeClientContext({.timeout = absl::Seconds(10), .bearer_token = token});
  RETURN_IF_ERROR(
      grpc::FromGrpcStatus(identity_->ListAccountEvents(context.get(), request, &response)));
  std::vector<Event> events;
  for (const identity::v1::StreamedAccountEvent& streamed : response.events()) {
    events.push_back(Event{.stream = stream,
                           .sequence = streamed.sequence(),
                           .type = streamed.event().GetTypeName(),
                           .payload = streamed.event().SerializeAsString()});
  }
  return events;
}

absl::Status AccountFeed::Apply(const Event& event) {
  if (event.stream != kAccountsStream) return absl::OkStatus();
  identity::v1::AccountEvent parsed;
  if (!parsed.ParseFromString(event.payload)) {
    log::Error("an account event does not parse; skipped").With("sequence", event.sequence);
    return absl::OkStatus();
  }
  return handler_(event.sequence, parsed);
}

}  // namespace parta::identity_client
