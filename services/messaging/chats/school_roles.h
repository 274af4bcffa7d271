#pragma once

// The roles people hold in a school, as messaging's mirror of the directory's roster knows them
// (awards come from teachers, groups are made by teachers and admins, the moderation queue is
// the admins', acknowledgements are expected from parents).

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "services/messaging/domain/model.h"

namespace parta::messaging {

bool HoldsRole(pqxx::transaction_base& tx, const std::string& school_id, const std::string& user_id,
               SchoolRole role);

// The ids of `user_ids` that hold no role in the school.
std::vector<std::string> NotInSchool(pqxx::transaction_base& tx, const std::string& school_id,
                                     const std::vector<std::string>& user_ids);

}  // namespace parta::messaging
