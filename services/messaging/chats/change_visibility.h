#pragma once

// What a chat's change may show, and to whom. A message's content is for the members who may
// read that message (its sequence is at or after their history start) and only as it is now:
//   - a deleted message reads as its tombstone in every change that carries it;
//   - a change that carries a version later replaced (the post of an edited message, an earlier
//     edit) carries no content: the change that replaced it does. Earlier versions are for
//     moderators (ListMessageVersions), never for members reading the log;
//   - an edit or a poll's tallies of a message older than a reader's history start carry no
//     content to him.
// The chat's channel carries one payload for every member, so a change about a message that
// some member may not read is written without its content (clients fetch the message with
// GetMessage, which checks the caller's history); the log then reads the same for everyone.

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "parta/events/v1/events.pb.h"

namespace parta::messaging {

// Whether some active member of the chat has a history that starts after `message_sequence`.
bool SomeMemberCannotRead(pqxx::transaction_base& tx, const std::string& chat_id,
                          int64_t message_sequence);

// Removes the message's content from an edit or a poll change (the ids, times and flags stay).
void WithholdContent(events::v1::ChatChange& change);

// Applies the rules above to a page of the chat's log for a reader whose history starts at
// `history_start`.
void RedactForReader(pqxx::transaction_base& tx, const std::string& chat_id,
                     int64_t history_start, std::vector<events::v1::Event>& events);

}  // namespace parta::messaging
