#pragma once

// Messages as rows of the `messages` table: the columns read, a row as a message, the stored
// content, and looking one up within what a member may see.

#include <pqxx/pqxx>
#include <string>

#include "absl/status/statusor.h"
#include "parta/messaging/v1/model.pb.h"

namespace parta::messaging {

// The columns MessageFromRow reads, from `messages m`, in order.
inline constexpr char kMessageColumns[] =
    "m.id::text, m.sequence, m.author_id::text, m.request_id, coalesce(m.reply_to::text, ''), "
    "m.content, (extract(epoch FROM m.created_at) * 1000000)::bigint, "
    "(extract(epoch FROM m.edited_at) * 1000000)::bigint, m.deleted_at IS NOT NULL";
inline constexpr int kMessageColumnCount = 9;

v1::Message MessageFromRow(const std::string& chat_id, const pqxx::row& row);

// The stored form of a message's content (a Message with only its content set).
std::string ContentOf(const v1::Message& message);

// A message of the chat at or after `history_start`; NOT_FOUND `MESSAGE_NOT_FOUND` otherwise.
absl::StatusOr<v1::Message> FindMessage(pqxx::transaction_base& tx, const std::string& chat_id,
                                        const std::string& message_id, int64_t history_start);

}  // namespace parta::messaging
