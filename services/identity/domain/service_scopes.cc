#include "services/identity/domain/service_scopes.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace parta::identity {

const std::map<std::string, std::vector<std::string>, std::less<>>& ServiceScopes() {
  static const auto* scopes = new std::map<std::string, std::vector<std::string>, std::less<>>{
      // Roster imports make school-managed accounts; confirmations raise levels; claims of
      // children read the register's children; verified-adult schools read levels; locks and
      // erasures of people reach the schools' audit logs and rosters; parents ask for their
      // children's erasure.
      {"directory",
       {"identity.accounts.read", "identity.accounts.manage", "identity.esia_children.read",
        "identity.events.read", "identity.accounts.erase"}},
      // Roster chats follow the directory's events; direct chats ask who may contact whom;
      // people's erasures remove their messages.
      {"messaging",
       {"directory.events.read", "directory.permissions.check", "identity.events.read"}},
      // People's erasures remove their files; people's data exports gather what every service
      // holds about them.
      {"content",
       {"identity.events.read", "identity.accounts.export", "directory.people.export",
        "messaging.people.export"}},
      // Calls name their people, let guests in and post their notices in chats.
      {"signaling",
       {"identity.accounts.read", "identity.guests.create", "messaging.call_notices.post"}},
  };
  return *scopes;
}

bool SchoolCheckedScope(absl::string_view scope) {
  return scope == "directory.events.read" || scope == "directory.roster.sync" ||
         scope == "messaging.journal_notices.post";
}

bool GrantableScope(absl::string_view scope) {
  if (scope.empty() || scope.size() > 64 || scope.front() == '.' || scope.back() == '.') {
    return false;
  }
  for (char c : scope) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_' && c != '.') return false;
  }
  return std::count(scope.begin(), scope.end(), '.') >= 2 && scope.find("..") == scope.npos;
}

}  // namespace parta::identity
