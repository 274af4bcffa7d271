#pragma once

// How an item is read from Postgres, for every store that answers items: the columns, the join
// with its newest version, the row → proto mapping, and the search words of its library entries.

#include <pqxx/pqxx>
#include <string>

#include "libs/pg/time.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/store/rendition_rows.h"

namespace parta::content {

// The columns ItemOf reads, over `i` (items) and `v` (its newest version).
inline constexpr const char* kItemColumns =
    "i.id::text, i.kind, i.owner_user_id::text, i.title, " PARTA_PG_US("i.created_at") ", "
    PARTA_PG_US("i.updated_at") ", v.id::text, v.number, v.file_name, v.size, v.media_type, "
    "v.sha256, v.scan_state, " PARTA_PG_US("v.created_at") ", i.description, i.subject, "
    "array_to_string(i.grades, ','), i.age_label, i.licence, i.language, "
    "array_to_string(ARRAY(SELECT school_id::text FROM library_entries WHERE item_id = i.id "
    "ORDER BY published_at, school_id), ','), coalesce(i.folder_id::text, ''), "
    "coalesce((SELECT state || ':' || reason FROM platform_entries WHERE item_id = i.id), ''), "
    "coalesce(i.link_url, '') AS link_url, "  // read by its name
    PARTA_CONTENT_RENDITIONS_COLUMN("v.id");  // read by its name, "renditions"

// Items joined with their newest version (NULLs for articles and links, which have none).
inline constexpr const char* kItemsWithNewestVersion =
    " FROM items i LEFT JOIN LATERAL (SELECT * FROM versions WHERE item_id = i.id "
    "ORDER BY number DESC LIMIT 1) v ON true ";

// What a library search keeps, over `i`, `v` and an entry `e` with its `search` words:
// $2 the query (websearch syntax, `russian`; '' for all), $3 subject, $4 grade, $5 the highest
// age label, $6 kind ('' / 0 for any). Quarantined files are never offered.
inline constexpr const char* kLibraryFilters =
    "($2 = '' OR e.search @@ websearch_to_tsquery('russian', $2)) "
    "AND ($3 = '' OR i.subject = $3) AND ($4 = 0 OR $4 = ANY (i.grades)) "
    "AND ($5 = 0 OR (i.age_label BETWEEN 1 AND $5)) AND ($6 = '' OR i.kind = $6) "
    "AND v.scan_state IS DISTINCT FROM 'infected' ";
// Best match first for a query; then by the entry's `e.{time column}` (append it), newest first.
inline constexpr const char* kLibraryRankOrder =
    "ORDER BY CASE WHEN $2 = '' THEN 0 ELSE "
    "ts_rank_cd(e.search, websearch_to_tsquery('russian', $2)) END DESC, ";

// A row of kItemColumns.
v1::Item ItemOf(const pqxx::row& row);

// The item as `reader` may see it: whole for its owner; for anyone else without what is the
// owner's alone (where he files it, which libraries show it, what editors told him).
v1::Item ForReader(v1::Item item, const std::string& reader);

// A version from eight columns of `row` from `first` on: id, number, file_name, size,
// media_type, sha256, scan_state, created_at (microseconds) — as kItemColumns has them.
v1::Version VersionOf(const pqxx::row& row, int first, const std::string& item_id);

// Recomputes the words search finds the item by, in every library that shows it: its title
// (weight A), subject and description (B) and its newest version's text or an article's text
// (C), in the `russian` configuration.
void RefreshSearchWords(pqxx::work& tx, const std::string& item_id);

// ScanState ↔ its column.
std::string ScanStateName(v1::ScanState state);
v1::ScanState ScanStateOf(const std::string& name);
// ItemKind → its column ("document", …).
std::string KindName(v1::ItemKind kind);
// PlatformState ↔ its column ("submitted", …; "" for none).
std::string PlatformStateName(v1::PlatformState state);
v1::PlatformState PlatformStateOf(const std::string& name);

}  // namespace parta::content
