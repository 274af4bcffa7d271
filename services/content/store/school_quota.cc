#include "services/content/store/school_quota.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::content {

absl::Status CheckSchoolQuota(pqxx::work& tx, const std::string& item_id, int64_t size,
                              int64_t quota, const std::string& school_id) {
  std::vector<std::string> schools;
  if (!school_id.empty()) {
    schools.push_back(school_id);
  } else {
    for (const pqxx::row& row :
         tx.exec_params("SELECT school_id::text FROM library_entries WHERE item_id = $1 "
                        "ORDER BY school_id",  // schools in one order too
                        item_id)) {
      schools.push_back(row[0].as<std::string>());
    }
  }
  for (const std::string& school : schools) {
    tx.exec_params(
        "SELECT pg_advisory_xact_lock(hashtextextended('content-school-quota:' || $1, 0))", school);
    const int64_t used =
        tx.exec_params1(
              "SELECT coalesce(sum(v.size), 0) FROM library_entries e JOIN LATERAL "
              "(SELECT size FROM versions WHERE item_id = e.item_id ORDER BY number DESC LIMIT 1)"
              " v ON true WHERE e.school_id = $1 AND e.item_id <> $2",
              school, item_id)[0]
            .as<int64_t>();
    if (used + size > quota) {
      return ResourceExhausted(
          "SCHOOL_QUOTA_EXCEEDED",
          absl::StrCat("the school's library has ", std::max<int64_t>(0, quota - used), " of its ",
                       quota, " bytes free; the file needs ", size));
    }
  }
  return absl::OkStatus();
}

}  // namespace parta::content
