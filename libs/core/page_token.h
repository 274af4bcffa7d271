#pragma once

// Where the next page of a list starts, as clients carry it between calls: an opaque token
// (base64url of the list's name, what the list is bound to — a chat, a message, the caller —, the
// sort key of the last item given, and a check value) that is valid only for the list it came
// from. Every service's token-paged lists use it. The check value catches garbled tokens; a forged one only moves the start of a list the
// caller may read anyway, as every page is read under the caller's own access checks.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta {

// The token of the page after the one that ended with `key` (its sort key, parts without a
// newline), in the list `list` bound to `scope`.
std::string EncodePageToken(absl::string_view list, absl::string_view scope,
                            const std::vector<std::string>& key);

// The sort key a token of the same list and scope carries, of `key_size` parts; an empty token
// (the first page) gives an empty key. Anything else, a garbled token or one of another list or
// scope, is INVALID_ARGUMENT `INVALID_PAGE_TOKEN`.
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view list,
                                                         absl::string_view scope, size_t key_size);

// INVALID_ARGUMENT `INVALID_PAGE_TOKEN`, for a key that decodes but does not parse.
absl::Status InvalidPageToken();

// A page size: 0 means `fallback`, otherwise 1–`max` (INVALID_ARGUMENT `INVALID_PAGE`).
absl::StatusOr<int> PageSize(int requested, int fallback, int max);

}  // namespace parta
