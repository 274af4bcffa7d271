#include "services/messaging/chats/person_export.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/core/page_token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/export_file.h"
#include "libs/pg/time.h"
#include "services/messaging/chats/message_rows.h"

namespace parta::messaging {
namespace {

constexpr absl::string_view kExportList = "author_export";
constexpr absl::string_view kOrder = "ORDER BY m.created_at, m.chat_id, m.sequence";

// RFC 3339 in UTC, as the API's timestamps.
std::string TimeText(int64_t micros) {
  return absl::FormatTime(absl::RFC3339_full, absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

api::v1::ExportFile JsonFile(std::string path, const nlohmann::json& document) {
  api::v1::ExportFile file;
  file.set_path(std::move(path));
  file.set_content(document.dump(2));
  return file;
}

// The files of the first page: everything but his messages.
void AddPersonFiles(pqxx::transaction_base& tx, const std::string& person,
                    v1::ExportAuthorDataResponse& out) {
  nlohmann::json chats = nlohmann::json::array();
  for (const pqxx::row& row : tx.exec_params(
           "SELECT c.id::text, c.school_id::text, c.kind, c.title, m.role, m.active, "
           PARTA_PG_US("m.changed_at") " FROM chat_members m JOIN chats c ON c.id = m.chat_id "
           "WHERE m.user_id = $1 ORDER BY m.changed_at, c.id",
           person)) {
    chats.push_back({{"chatId", row[0].as<std::string>()},
                     {"schoolId", row[1].as<std::string>()},
                     {"kind", row[2].as<std::string>()},
                     {"title", row[3].as<std::string>()},
                     {"role", row[4].as<std::string>()},
                     {"active", row[5].as<bool>()},
                     {"changeTime", TimeText(row[6].as<int64_t>())}});
  }
  *out.add_files() = JsonFile("messaging/chats.json", {{"chats", chats}});

  nlohmann::json reactions = nlohmann::json::array();
  for (const pqxx::row& row : tx.exec_params(
           "SELECT r.message_id::text, m.chat_id::text, r.emoji, " PARTA_PG_US("r.created_at")
           " FROM message_reactions r JOIN messages m ON m.id = r.message_id "
           "WHERE r.user_id = $1 ORDER BY r.created_at",
           person)) {
    reactions.push_back({{"messageId", row[0].as<std::string>()},
                         {"chatId", row[1].as<std::string>()},
                         {"emoji", row[2].as<std::string>()},
                         {"createTime", TimeText(row[3].as<int64_t>())}});
  }
  *out.add_files() = JsonFile("messaging/reactions.json", {{"reactions", reactions}});

  nlohmann::json votes = nlohmann::json::array();
  for (const pqxx::row& row : tx.exec_params(
           "SELECT v.message_id::text, m.chat_id::text, array_to_json(v.options)::text, "
           PARTA_PG_US("v.voted_at") " FROM poll_votes v JOIN messages m ON m.id = v.message_id "
           "WHERE v.user_id = $1 ORDER BY v.voted_at",
           person)) {
    votes.push_back({{"messageId", row[0].as<std::string>()},
                     {"chatId", row[1].as<std::string>()},
                     {"options", nlohmann::json::parse(row[2].as<std::string>())},
                     {"voteTime", TimeText(row[3].as<int64_t>())}});
  }
  *out.add_files() = JsonFile("messaging/votes.json", {{"votes", votes}});

  nlohmann::json acknowledgements = nlohmann::json::array();
  for (const pqxx::row& row : tx.exec_params(
           "SELECT a.message_id::text, m.chat_id::text, " PARTA_PG_US("a.acknowledged_at")
           " FROM acknowledgements a JOIN messages m ON m.id = a.message_id "
           "WHERE a.user_id = $1 ORDER BY a.acknowledged_at",
           person)) {
    acknowledgements.push_back({{"messageId", row[0].as<std::string>()},
                                {"chatId", row[1].as<std::string>()},
                                {"acknowledgeTime", TimeText(row[2].as<int64_t>())}});
  }
  *out.add_files() =
      JsonFile("messaging/acknowledgements.json", {{"acknowledgements", acknowledgements}});

  nlohmann::json reports = nlohmann::json::array();
  for (const pqxx::row& row : tx.exec_params(
           "SELECT id::text, chat_id::text, message_id::text, reason, state, "
           PARTA_PG_US("created_at") " FROM reports WHERE reporter_id = $1 ORDER BY created_at",
           person)) {
    reports.push_back({{"reportId", row[0].as<std::string>()},
                       {"chatId", row[1].as<std::string>()},
                       {"messageId", row[2].as<std::string>()},
                       {"reason", row[3].as<std::string>()},
                       {"state", row[4].as<std::string>()},
                       {"createTime", TimeText(row[5].as<int64_t>())}});
  }
  *out.add_files() = JsonFile("messaging/reports.json", {{"reports", reports}});
}

}  // namespace

absl::StatusOr<v1::ExportAuthorDataResponse> PersonExport::Page(
    const v1::ExportAuthorDataRequest& req) {
  const std::string person = absl::AsciiStrToLower(req.person_id());
  if (!IsUuid(person)) return InvalidArgument("INVALID_PERSON_ID", "person_id is an account id");
  ASSIGN_OR_RETURN(const int limit, PageSize(req.page_size(), 1000, 5000));
  ASSIGN_OR_RETURN(const std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kExportList, person, 3));
  // Oldest first: by time, then within a chat by its order (one instant may hold several).
  int64_t after_micros = 0;
  int64_t after_sequence = 0;
  if (!key.empty() && (!absl::SimpleAtoi(key[0], &after_micros) || !IsUuid(key[1]) ||
                       !absl::SimpleAtoi(key[2], &after_sequence))) {
    return InvalidPageToken();
  }
  return pool_.ReadFor<v1::ExportAuthorDataResponse>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::ExportAuthorDataResponse> {
        v1::ExportAuthorDataResponse out;
        if (key.empty()) AddPersonFiles(tx, person, out);
        const std::string select = absl::StrCat(
            "SELECT ", kMessageColumns, ", m.chat_id::text FROM messages m "
            "WHERE m.author_id = $1 AND m.deleted_at IS NULL ");
        const pqxx::result rows =
            key.empty()
                ? tx.exec_params(absl::StrCat(select, kOrder, " LIMIT $2"), person, limit + 1)
                : tx.exec_params(absl::StrCat(select,
                                              "AND (m.created_at, m.chat_id, m.sequence) > "
                                              "(" PARTA_PG_TS("$2") ", $3::uuid, $4) ",
                                              kOrder, " LIMIT $5"),
                                 person, after_micros, key[1], after_sequence, limit + 1);
        std::string lines;
        const int shown = std::min<int>(limit, static_cast<int>(rows.size()));
        for (int i = 0; i < shown; ++i) {
          const pqxx::row& row = rows[i];
          grpc::AppendJsonLine(MessageFromRow(row[kMessageColumnCount].as<std::string>(), row),
                               lines);
        }
        api::v1::ExportFile& messages = *out.add_files();
        messages.set_path("messaging/messages.jsonl");
        messages.set_content(std::move(lines));
        if (static_cast<int>(rows.size()) > limit) {
          const pqxx::row& last = rows[limit - 1];
          out.set_next_page_token(EncodePageToken(
              kExportList, person,
              {absl::StrCat(last[6].as<int64_t>()), last[kMessageColumnCount].as<std::string>(),
               absl::StrCat(last[1].as<int64_t>())}));
        }
        return out;
      });
}

}  // namespace parta::messaging
