#pragma once

// A school's library space: the bytes of the newest versions of the items its library shows,
// within the per-school quota. Checked inside the transactions that grow it (publishing an item,
// starting and completing a new version of a shown item), under the school's lock.

#include <string>

#include <pqxx/pqxx>

#include "absl/status/status.h"

namespace parta::content {

// For the school `school_id` (or, when empty, every school whose library shows `item_id`):
// whether its library, with `item_id` counted at `size` bytes, stays within `quota`.
// RESOURCE_EXHAUSTED `SCHOOL_QUOTA_EXCEEDED` otherwise. Locks each school's space until the
// transaction ends; the caller holds the item's row lock already (item first, then schools, in
// every transaction, so none waits for another in the opposite order).
absl::Status CheckSchoolQuota(pqxx::work& tx, const std::string& item_id, int64_t size,
                              int64_t quota, const std::string& school_id = "");

}  // namespace parta::content
