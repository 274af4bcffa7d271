#pragma once

// Checks of an item's catalogue fields as people fill them in.

#include "absl/status/status.h"
#include "parta/content/v1/content.pb.h"

namespace parta::content {

// The fields of `item` that `paths` names (title, description, subject, grades, age_label,
// licence, language): INVALID_ARGUMENT with the field's reason (`INVALID_TITLE`, …), or
// `INVALID_UPDATE_MASK` for a path that is not one of them.
absl::Status CheckCatalogueFields(const v1::Item& item, const std::vector<std::string>& paths);

// A search query: at most 200 characters of UTF-8 (INVALID_ARGUMENT `INVALID_QUERY`).
absl::Status CheckQuery(absl::string_view query);

// What an editor or a reader writes (a reason, a comment): at most 2,000 characters of UTF-8
// (INVALID_ARGUMENT `reason`).
absl::Status CheckRemark(absl::string_view text, absl::string_view reason);

}  // namespace parta::content
