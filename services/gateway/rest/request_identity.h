#pragma once

// Who and what a request is, beyond its route: the request id (the client's `x-request-id`
// when it is sane, a fresh one otherwise), the W3C `traceparent` (the client's when valid, a
// new trace otherwise) and the client's address seen through trusted proxies.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parta::gateway {

// 1–128 characters of [A-Za-z0-9._:-].
bool IsSaneRequestId(absl::string_view id);

// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>" with non-zero ids.
bool IsValidTraceparent(absl::string_view traceparent);

// A new trace: version 00, random trace and parent ids, sampled flag off.
std::string NewTraceparent();

}  // namespace parta::gateway
