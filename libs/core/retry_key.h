#pragma once

// A create a client may retry after a lost answer: his request id for it (empty: every call
// creates) and what he asked (the request without its id, serialized deterministically), to tell
// a retry, answered with the first result, from a reused id.

#include <string>

namespace parta {

struct RetryKey {
  std::string request_id;
  std::string fingerprint;
};

}  // namespace parta
