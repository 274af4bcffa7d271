#pragma once

// Client side of calls between services: channels that retry UNAVAILABLE with backoff, and
// contexts that always carry a deadline, the request id and the caller's token.

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"

namespace parta::grpc {

// A channel to `target` ("127.0.0.1:7101", "dns:///identity:7101") whose unary calls are
// retried up to 3 times on UNAVAILABLE; TLS (mutual) when the process uses it
// (transport_security.h), plaintext otherwise.
std::shared_ptr<::grpc::Channel> MakeChannel(const std::string& target);

struct OutgoingCall {
  absl::Duration timeout = absl::Seconds(5);
  absl::string_view bearer_token;  // sent as `authorization: Bearer …` when not empty
  absl::string_view request_id;    // sent as `x-request-id` when not empty
};

// A context with a deadline (every outgoing RPC has one) and the given metadata.
std::unique_ptr<::grpc::ClientContext> MakeClientContext(const OutgoingCall& call);

}  // namespace parta::grpc
