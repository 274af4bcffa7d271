#include "services/content/store/sharing_store.h"

#include "absl/strings/str_split.h"
#include "libs/core/status.h"

namespace parta::content {

absl::StatusOr<Sharing> SharingStore::OfVersion(const std::string& version_id,
                                                const std::string& reader) {
  return Of("", version_id, reader);
}

absl::StatusOr<Sharing> SharingStore::OfItem(const std::string& item_id,
                                             const std::string& reader) {
  return Of(item_id, "", reader);
}

absl::StatusOr<Sharing> SharingStore::Of(const std::string& item_id, const std::string& version_id,
                                         const std::string& reader) {
  return pool_.ReadFor<Sharing>([&](pqxx::nontransaction& tx) -> absl::StatusOr<Sharing> {
    const pqxx::result rows = tx.exec_params(
        "WITH it AS (SELECT i.id, i.owner_user_id FROM items i WHERE "
        "  ($1 <> '' AND i.id = nullif($1, '')::uuid) OR "
        "  ($2 <> '' AND i.id = (SELECT item_id FROM versions WHERE id = nullif($2, '')::uuid))) "
        "SELECT it.id::text, it.owner_user_id::text, "
        "  $2 = '' OR nullif($2, '')::uuid = (SELECT id FROM versions WHERE item_id = it.id "
        "                                      ORDER BY number DESC LIMIT 1), "
        "  EXISTS (SELECT 1 FROM school_spaces s WHERE it.id IN (s.logo_item_id, "
        "s.cover_item_id)), "
        "  coalesce((SELECT state FROM platform_entries WHERE item_id = it.id), ''), "
        "  coalesce((SELECT media_type FROM versions WHERE item_id = it.id "
        "            ORDER BY number DESC LIMIT 1), ''), "
        "  EXISTS (SELECT 1 FROM library_editors WHERE user_id::text = $3), "
        "  array_to_string(ARRAY(SELECT e.school_id::text || ':' || "
        "    coalesce(s.library_public, false)::text FROM library_entries e "
        "    LEFT JOIN school_spaces s ON s.school_id = e.school_id WHERE e.item_id = it.id "
        "    ORDER BY e.school_id), ',') "
        "FROM it",
        item_id, version_id, reader);
    if (rows.empty()) {
      return version_id.empty()
                 ? NotFound("ITEM_NOT_FOUND", "no such item that you may read")
                 : NotFound("VERSION_NOT_FOUND", "no such version that you may read");
    }
    const pqxx::row row = rows[0];
    Sharing sharing{.item_id = row[0].as<std::string>(),
                    .owner_user_id = row[1].as<std::string>(),
                    .newest = row[2].as<bool>(),
                    .profile_picture = row[3].as<bool>(),
                    .newest_media_type = row[5].as<std::string>(),
                    .platform_state = row[4].as<std::string>(),
                    .reader_is_editor = row[6].as<bool>()};
    for (absl::string_view entry :
         absl::StrSplit(row[7].as<std::string>(), ',', absl::SkipEmpty())) {
      const std::pair<std::string, std::string> parts = absl::StrSplit(entry, ':');
      sharing.libraries.push_back({.school_id = parts.first, .open = parts.second == "true"});
    }
    return sharing;
  });
}

}  // namespace parta::content
