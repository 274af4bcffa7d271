#include "tools/esia-emulator/scopes.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/core/status.h"

namespace parta::esia_emulator {

absl::StatusOr<ScopeSet> ScopeSet::Parse(absl::string_view text) {
  absl::flat_hash_set<absl::string_view> asked;
  for (absl::string_view scope : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (std::find(std::begin(kKnownScopes), std::end(kKnownScopes), scope) ==
        std::end(kKnownScopes)) {
      return InvalidArgument("UNKNOWN_SCOPE", absl::StrCat("unknown scope \"", scope, "\""));
    }
    asked.insert(scope);
  }
  if (!asked.contains("openid")) {
    return InvalidArgument("NO_OPENID", "the scope must contain openid");
  }
  ScopeSet set;
  for (absl::string_view known : kKnownScopes) {
    if (asked.contains(known)) set.scopes_.push_back(known);
  }
  return set;
}

bool ScopeSet::Has(absl::string_view scope) const {
  return std::find(scopes_.begin(), scopes_.end(), scope) != scopes_.end();
}

std::string ScopeSet::ToString() const { return absl::StrJoin(scopes_, " "); }

}  // namespace parta::esia_emulator
