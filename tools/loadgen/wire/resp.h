#pragma once

// RESP2, as much as the raw Redis reference needs: commands out, and the replies and pushes of a
// subscribed connection (arrays of bulk strings and integers) in.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parta::loadgen {

// A command as an array of bulk strings.
std::string RespCommand(const std::vector<absl::string_view>& arguments);

// Parses one reply at the front of `in` into `items` (the elements of an array, or the single
// simple string, error or integer, as text; a nil as an empty item): its length, 0 while
// incomplete, -1 when malformed. Nested arrays are not needed and are refused.
int64_t ParseRespReply(absl::string_view in, std::vector<absl::string_view>& items);

}  // namespace parta::loadgen
