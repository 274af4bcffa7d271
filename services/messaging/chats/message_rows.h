#pragma once

// Messages as rows of the `messages` table: the columns read, a row as a message, the stored
// part of a message, what changes after posting (reactions, pins, poll tallies) filled in for a
// reader, and looking a message up within what a member may see.

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "parta/messaging/v1/model.pb.h"

namespace parta::messaging {

// The columns MessageFromRow reads, from `messages m`, in order.
inline constexpr char kMessageColumns[] =
    "m.id::text, m.sequence, m.author_id::text, m.request_id, coalesce(m.reply_to::text, ''), "
    "m.content, (extract(epoch FROM m.created_at) * 1000000)::bigint, "
    "(extract(epoch FROM m.edited_at) * 1000000)::bigint, m.deleted_at IS NOT NULL, "
    "m.poll_closed";
inline constexpr int kMessageColumnCount = 10;

v1::Message MessageFromRow(const std::string& chat_id, const pqxx::row& row);

// What is stored of a message as its author posted it: content, forward origin, attachments,
// acknowledgement request.
std::string StoredPart(const v1::Message& message);

// The words of a message that search finds (for a call notice, "звонок начат" or "звонок
// завершён").
std::string SearchableText(const v1::Message& message);

// Fills in, for `reader`, what changes after posting: reactions (and his own), pins, poll
// tallies (and his choice). One statement per kind for the whole page.
void Decorate(pqxx::transaction_base& tx, const std::string& reader,
              const std::vector<v1::Message*>& messages);

// A poll's tallies from its votes; `reader`'s choice too when given.
void TallyPoll(pqxx::transaction_base& tx, const std::string& message_id, const std::string& reader,
               v1::Poll& poll);

// A message of the chat at or after `history_start`; NOT_FOUND `MESSAGE_NOT_FOUND` otherwise.
absl::StatusOr<v1::Message> FindMessage(pqxx::transaction_base& tx, const std::string& chat_id,
                                        const std::string& message_id, int64_t history_start);

// "{a,b,c}": a Postgres array literal of ids (UUIDs only, so nothing needs quoting).
std::string ArrayLiteral(const std::vector<std::string>& ids);

}  // namespace parta::messaging
