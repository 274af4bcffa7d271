#include "services/messaging/chats/school_roles.h"

#include "absl/container/flat_hash_set.h"
#include "libs/pg/prepared.h"
#include "services/messaging/chats/message_rows.h"

namespace parta::messaging {

bool HoldsRole(pqxx::transaction_base& tx, const std::string& school_id, const std::string& user_id,
               SchoolRole role) {
  return !pg::ExecPrepared(tx, "messaging_holds_role",
                           "SELECT 1 FROM roster_roles WHERE school_id = $1::uuid "
                           "AND user_id = $2::uuid AND role = $3",
                           school_id, user_id, std::string(NameOf(role)))
              .empty();
}

std::vector<std::string> NotInSchool(pqxx::transaction_base& tx, const std::string& school_id,
                                     const std::vector<std::string>& user_ids) {
  absl::flat_hash_set<std::string> known;
  for (const pqxx::row& row :
       tx.exec_params("SELECT DISTINCT user_id::text FROM roster_roles WHERE school_id = $1::uuid "
                      "AND user_id = ANY($2::uuid[])",
                      school_id, ArrayLiteral(user_ids))) {
    known.insert(row[0].as<std::string>());
  }
  std::vector<std::string> strangers;
  for (const std::string& id : user_ids) {
    if (!known.contains(id)) strangers.push_back(id);
  }
  return strangers;
}

}  // namespace parta::messaging
