#pragma once

// Deleting a message for everyone, by its author or by moderation: the content goes, a
// tombstone stays, the deletion takes the chat's next sequence. While a report about the
// message is open, its last content is kept as a version for moderators (evidence).

#include <pqxx/pqxx>
#include <string>

#include "absl/time/time.h"
#include "libs/core/random.h"
#include "parta/messaging/v1/model.pb.h"
#include "services/messaging/domain/model.h"

namespace parta::messaging {

// `chat`'s row must be locked by this transaction; `message` becomes the tombstone.
void DeleteForEveryone(pqxx::transaction_base& tx, Chat& chat, v1::Message& message,
                       const std::string& actor, absl::Time now, IdGenerator& ids);

// The same for every live message of `author` in the chat at once, in a few statements whatever
// their number (a person's erasure); each deletion still takes its own sequence. Returns how
// many were deleted.
int DeleteAllForEveryone(pqxx::transaction_base& tx, Chat& chat, const std::string& author,
                         absl::Time now, IdGenerator& ids);

}  // namespace parta::messaging
