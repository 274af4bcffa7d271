#include "services/content/store/school_space_store.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"
#include "services/content/domain/scan_state.h"
#include "services/content/store/item_rows.h"

namespace parta::content {
namespace {

bool Has(const std::vector<std::string>& paths, const std::string& path) {
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

// The newest version of an item, as kItemColumns has it from column 6.
constexpr const char* kNewestVersionOf =
    "SELECT v.id::text, v.number, v.file_name, v.size, v.media_type, v.sha256, v.scan_state, "
    PARTA_PG_US("v.created_at") " FROM versions v WHERE v.item_id = $1 "
    "ORDER BY v.number DESC LIMIT 1";

// The newest version of `item_id`; nullopt for none.
template <typename Tx>
std::optional<v1::Version> NewestVersion(Tx& tx, const std::string& item_id) {
  if (item_id.empty()) return std::nullopt;
  const pqxx::result rows = tx.exec_params(kNewestVersionOf, item_id);
  if (rows.empty()) return std::nullopt;
  return VersionOf(rows[0], 0, item_id);
}

template <typename Tx>
v1::SchoolSpace SpaceOf(Tx& tx, const std::string& school_id) {
  v1::SchoolSpace space;
  space.set_school_id(school_id);
  const pqxx::result rows = tx.exec_params(
      "SELECT library_public, coalesce(logo_item_id::text, ''), "
      "coalesce(cover_item_id::text, '') FROM school_spaces WHERE school_id = $1",
      school_id);
  if (rows.empty()) return space;
  space.set_library_public(rows[0][0].as<bool>());
  space.set_logo_item_id(rows[0][1].as<std::string>());
  space.set_cover_item_id(rows[0][2].as<std::string>());
  if (auto logo = NewestVersion(tx, space.logo_item_id())) *space.mutable_logo() = *logo;
  if (auto cover = NewestVersion(tx, space.cover_item_id())) *space.mutable_cover() = *cover;
  return space;
}

// An item that may be shown to anyone as a school's picture.
absl::Status CheckPicture(pqxx::work& tx, const std::string& item_id, const std::string& editor) {
  const pqxx::result rows = tx.exec_params(
      "SELECT i.kind, v.scan_state FROM items i JOIN LATERAL (SELECT scan_state FROM versions "
      "WHERE item_id = i.id ORDER BY number DESC LIMIT 1) v ON true "
      "WHERE i.id = $1 AND i.owner_user_id = $2 FOR KEY SHARE OF i",
      item_id, editor);
  if (rows.empty()) return NotFound("ITEM_NOT_FOUND", "no such item of yours");
  if (rows[0][0].as<std::string>() != "image") {
    return FailedPrecondition("IMAGE_REQUIRED", "a school's logo and cover are pictures");
  }
  return CheckServableToAll(ScanStateOf(rows[0][1].as<std::string>()));
}

}  // namespace

absl::StatusOr<v1::SchoolSpace> SchoolSpaceStore::Get(const std::string& school_id) {
  return pool_.ReadFor<v1::SchoolSpace>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::SchoolSpace> {
        return SpaceOf(tx, school_id);
      });
}

absl::StatusOr<v1::SchoolSpace> SchoolSpaceStore::Update(const v1::SchoolSpace& space,
                                                         const std::vector<std::string>& paths,
                                                         const std::string& editor,
                                                         absl::Time now) {
  return pool_.TransactFor<v1::SchoolSpace>([&](pqxx::work& tx) -> absl::StatusOr<v1::SchoolSpace> {
    tx.exec_params(
        "INSERT INTO school_spaces (school_id, updated_by, updated_at) "
        "VALUES ($1, $2, " PARTA_PG_TS("$3") ") ON CONFLICT DO NOTHING",
        space.school_id(), editor, pg::ToMicros(now));
    // Two admins changing different fields at once: the second reads the first's change.
    tx.exec_params("SELECT 1 FROM school_spaces WHERE school_id = $1 FOR UPDATE",
                   space.school_id());
    v1::SchoolSpace next = SpaceOf(tx, space.school_id());
    if (Has(paths, "library_public")) next.set_library_public(space.library_public());
    if (Has(paths, "logo_item_id") && space.logo_item_id() != next.logo_item_id()) {
      if (!space.logo_item_id().empty()) {
        RETURN_IF_ERROR(CheckPicture(tx, space.logo_item_id(), editor));
      }
      next.set_logo_item_id(space.logo_item_id());
    }
    if (Has(paths, "cover_item_id") && space.cover_item_id() != next.cover_item_id()) {
      if (!space.cover_item_id().empty()) {
        RETURN_IF_ERROR(CheckPicture(tx, space.cover_item_id(), editor));
      }
      next.set_cover_item_id(space.cover_item_id());
    }
    tx.exec_params(
        "UPDATE school_spaces SET library_public = $2, "
        "logo_item_id = nullif($3, '')::uuid, cover_item_id = nullif($4, '')::uuid, "
        "updated_by = $5, updated_at = " PARTA_PG_TS("$6") " WHERE school_id = $1",
        space.school_id(), next.library_public(), next.logo_item_id(), next.cover_item_id(), editor,
        pg::ToMicros(now));
    return SpaceOf(tx, space.school_id());
  });
}

absl::StatusOr<bool> SchoolSpaceStore::LibraryPublic(const std::string& school_id) {
  return pool_.ReadFor<bool>([&](pqxx::nontransaction& tx) -> absl::StatusOr<bool> {
    return !tx.exec_params("SELECT 1 FROM school_spaces WHERE school_id = $1 AND library_public",
                           school_id)
                .empty();
  });
}

}  // namespace parta::content
