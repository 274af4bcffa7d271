#include "services/gateway/tests/e2e/transcoding_backend.h"

#include <thread>

#include "absl/strings/numbers.h"
#include "libs/core/status.h"
#include "libs/grpc/status.h"
#include "parta/events/v1/events.grpc.pb.h"
#include "parta/testing/v1/transcoding.grpc.pb.h"

namespace parta::gateway::testing {
namespace {

namespace tv1 = parta::testing::v1;

std::string Metadata(const ::grpc::ServerContext& context, const std::string& key) {
  auto it = context.client_metadata().find(key);
  return it == context.client_metadata().end() ? std::string()
                                               : std::string(it->second.data(), it->second.size());
}

void Record(const ::grpc::ServerContext& context, const std::string& method, tv1::Class& out) {
  tv1::CallSeen& seen = *out.mutable_seen();
  seen.set_method(method);
  seen.set_authorized(!Metadata(context, "authorization").empty());
  seen.set_request_id(Metadata(context, "x-request-id"));
  seen.set_traceparent(Metadata(context, "traceparent"));
  seen.set_forwarded_for(Metadata(context, "x-forwarded-for"));
}

}  // namespace

class TranscodingBackend::Service final : public tv1::TranscodingTestService::Service {
  ::grpc::Status GetClass(::grpc::ServerContext* context, const tv1::GetClassRequest* request,
                          tv1::Class* response) override {
    response->set_name(request->name());
    *response->mutable_filter() = request->filter();
    *response->mutable_tags() = request->tags();
    response->set_limit(request->limit());
    response->set_kind(request->kind());
    response->set_with_archived(request->with_archived());
    if (request->has_as_of()) *response->mutable_created_at() = request->as_of();
    Record(*context, "GetClass", *response);
    return ::grpc::Status::OK;
  }
  ::grpc::Status CreateClass(::grpc::ServerContext* context,
                             const tv1::CreateClassRequest* request,
                             tv1::Class* response) override {
    *response = request->class_();
    response->set_parent(request->parent());
    Record(*context, "CreateClass", *response);
    return ::grpc::Status::OK;
  }
  ::grpc::Status UpdateClass(::grpc::ServerContext* context,
                             const tv1::UpdateClassRequest* request,
                             tv1::Class* response) override {
    *response = request->class_();
    response->set_parent(request->update_mask());
    Record(*context, "UpdateClass", *response);
    return ::grpc::Status::OK;
  }
  ::grpc::Status ListStudents(::grpc::ServerContext*, const tv1::ListStudentsRequest* request,
                              tv1::ListStudentsResponse* response) override {
    for (int i = 1; i <= request->page_size(); ++i) {
      response->add_students()->set_display_name("Ученик " + std::to_string(i));
    }
    response->set_next_page_token("never-sent");
    return ::grpc::Status::OK;
  }
  ::grpc::Status DeleteClass(::grpc::ServerContext*, const tv1::DeleteClassRequest*,
                             google::protobuf::Empty*) override {
    return ::grpc::Status::OK;
  }
  ::grpc::Status Fail(::grpc::ServerContext*, const tv1::FailRequest* request,
                      google::protobuf::Empty*) override {
    if (request->delay_ms() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(request->delay_ms()));
    }
    if (request->code() == 0) return ::grpc::Status::OK;
    absl::Status status = Error(static_cast<absl::StatusCode>(request->code()), request->reason(),
                                "failed on purpose");
    if (request->retry_after_seconds() > 0) {
      status = WithRetryAfter(status, absl::Seconds(request->retry_after_seconds()));
    }
    return grpc::ToGrpcStatus(status, "testing.parta");
  }
};

class TranscodingBackend::Subscriptions final
    : public events::v1::SubscriptionService::Service {
 public:
  explicit Subscriptions(const std::string& room) : room_(room) {}

  void ListRoom(bool listed) {
    absl::MutexLock lock(&mu_);
    room_listed_ = listed;
  }
  void ListExtra(int count) {
    absl::MutexLock lock(&mu_);
    extra_channels_ = count;
  }
  void Hold(bool hold) {
    absl::MutexLock lock(&mu_);
    hold_ = hold;
  }
  bool WaitForHeld(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&held_), timeout);
  }

 private:
  const std::string& room_;
  absl::Mutex mu_;
  bool room_listed_ ABSL_GUARDED_BY(mu_) = true;
  int extra_channels_ ABSL_GUARDED_BY(mu_) = 0;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  bool held_ ABSL_GUARDED_BY(mu_) = false;

  ::grpc::Status ListMySubscriptions(::grpc::ServerContext* context,
                                     const events::v1::ListMySubscriptionsRequest* request,
                                     events::v1::ListMySubscriptionsResponse* response) override {
    if (Metadata(*context, "authorization").empty()) {
      return grpc::ToGrpcStatus(Unauthenticated("TOKEN_REQUIRED", "sign in"), "testing.parta");
    }
    // The page token is the index of the page's channel.
    int index = 0;
    if (!request->page_token().empty() &&
        (!absl::SimpleAtoi(request->page_token(), &index) || index < 1)) {
      return grpc::ToGrpcStatus(InvalidArgument("INVALID_PAGE_TOKEN", "not a token of ours"),
                                "testing.parta");
    }
    absl::MutexLock lock(&mu_);
    // The answer is what was true when the call came; a held call answers that later.
    std::vector<std::string> channels;
    if (room_listed_) channels.push_back(room_);
    for (int n = 1; n <= extra_channels_; ++n) {
      channels.push_back(room_ + ":extra:" + std::to_string(n));
    }
    if (hold_) {
      held_ = true;
      mu_.Await(absl::Condition(
          +[](bool* hold) { return !*hold; }, &hold_));
      held_ = false;
    }
    if (index < static_cast<int>(channels.size())) response->add_channels(channels[index]);
    if (index + 1 < static_cast<int>(channels.size())) {
      response->set_next_page_token(std::to_string(index + 1));
    }
    return ::grpc::Status::OK;
  }
};

class TranscodingBackend::Signals final : public events::v1::ClientSignalService::Service {
 public:
  ::grpc::Status SendTyping(::grpc::ServerContext* context,
                            const events::v1::SendTypingRequest* request,
                            events::v1::SendTypingResponse*) override {
    if (Metadata(*context, "authorization").empty() || request->chat_id() == "forbidden") {
      return grpc::ToGrpcStatus(PermissionDenied("NOT_A_MEMBER", "not in this chat"),
                                "testing.parta");
    }
    absl::MutexLock lock(&mu_);
    typing_.push_back(request->chat_id());
    return ::grpc::Status::OK;
  }
  ::grpc::Status Acknowledge(::grpc::ServerContext*, const events::v1::AcknowledgeRequest*,
                             events::v1::AcknowledgeResponse*) override {
    return ::grpc::Status::OK;
  }
  std::vector<std::string> typing() const {
    absl::MutexLock lock(&mu_);
    return typing_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> typing_;
};

TranscodingBackend::TranscodingBackend()
    : service_(std::make_unique<Service>()),
      subscriptions_(std::make_unique<Subscriptions>(room_)),
      signals_(std::make_unique<Signals>()) {
  ::grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  builder.RegisterService(subscriptions_.get());
  builder.RegisterService(signals_.get());
  server_ = builder.BuildAndStart();
  room_ = "parta:test:room:" + std::to_string(port_);
}

TranscodingBackend::~TranscodingBackend() { server_->Shutdown(); }

std::vector<std::string> TranscodingBackend::typing() const { return signals_->typing(); }

void TranscodingBackend::ListRoom(bool listed) { subscriptions_->ListRoom(listed); }
void TranscodingBackend::ListExtraChannels(int count) { subscriptions_->ListExtra(count); }
void TranscodingBackend::HoldListings(bool hold) { subscriptions_->Hold(hold); }
bool TranscodingBackend::WaitForHeldListing(absl::Duration timeout) {
  return subscriptions_->WaitForHeld(timeout);
}

}  // namespace parta::gateway::testing
