#include "services/gateway/files/content_calls.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {

namespace cv1 = content::v1;

ContentCalls::ContentCalls(std::shared_ptr<::grpc::Channel> channel, absl::Duration timeout)
    : stub_(cv1::ContentService::NewStub(std::move(channel))), timeout_(timeout) {}

ContentCalls::~ContentCalls() { Shutdown(); }

template <typename Request, typename Response, typename Start>
void ContentCalls::Call(const CallerMetadata& caller, Request request, Done<Response> done,
                        Start start) {
  // The call's buffers live until its callback has run.
  struct State {
    ::grpc::ClientContext context;
    Request request;
    Response response;
  };
  auto state = std::make_shared<State>();
  state->request = std::move(request);
  state->context.set_deadline(std::chrono::system_clock::now() +
                              absl::ToChronoMilliseconds(timeout_));
  if (!caller.token.empty()) {
    state->context.AddMetadata("authorization", absl::StrCat("Bearer ", caller.token));
  }
  state->context.AddMetadata("x-request-id", caller.request_id);
  state->context.AddMetadata("traceparent", caller.traceparent);
  state->context.AddMetadata("x-forwarded-for", caller.client_address);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      done(Unavailable("SHUTTING_DOWN", "the gateway is shutting down"));
      return;
    }
    calls_.insert(&state->context);
  }
  start(*stub_->async(), &state->context, &state->request, &state->response,
        [this, state, done = std::move(done)](::grpc::Status status) {
          if (status.ok()) {
            done(std::move(state->response));
          } else {
            done(FromBackend(status));
          }
          // Only after the callback: Shutdown's wait covers the work it does.
          absl::MutexLock lock(&mu_);
          calls_.erase(&state->context);
        });
}

#define PARTA_CONTENT_CALL(Method)                                                            \
  void ContentCalls::Method(const CallerMetadata& caller, cv1::Method##Request request,       \
                            Done<cv1::Method##Response> done) {                               \
    Call<cv1::Method##Request, cv1::Method##Response>(                                        \
        caller, std::move(request), std::move(done),                                          \
        [](cv1::ContentService::Stub::async_interface& async, ::grpc::ClientContext* context, \
           const cv1::Method##Request* request, cv1::Method##Response* response,              \
           std::function<void(::grpc::Status)> callback) {                                    \
          async.Method(context, request, response, std::move(callback));                      \
        });                                                                                   \
  }

PARTA_CONTENT_CALL(CreateUpload)
PARTA_CONTENT_CALL(GetUpload)
PARTA_CONTENT_CALL(AppendUpload)
PARTA_CONTENT_CALL(ConfirmUpload)
PARTA_CONTENT_CALL(CancelUpload)
PARTA_CONTENT_CALL(OpenDownload)
PARTA_CONTENT_CALL(ReadContent)

#undef PARTA_CONTENT_CALL

void ContentCalls::Shutdown() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  for (::grpc::ClientContext* context : calls_) context->TryCancel();
  mu_.Await(absl::Condition(
      +[](absl::flat_hash_set<::grpc::ClientContext*>* calls) { return calls->empty(); }, &calls_));
}

}  // namespace parta::gateway
