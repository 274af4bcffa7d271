#pragma once

// How a version's renditions are read from Postgres, for every store that answers versions: the
// packed column and its mapping, and the names of renditions (migrations/0003_previews.sql).

#include <string>

#include "absl/strings/string_view.h"
#include "parta/content/v1/content.pb.h"

// The column of a version's renditions, packed, for ContentStore's queries: `version_id` is the
// SQL expression of the version's id. Read it by name with AddRenditions.
#define PARTA_CONTENT_RENDITIONS_COLUMN(version_id)                                          \
  "(SELECT coalesce(string_agg(r.name || '|' || r.media_type || '|' || r.width || '|' || "   \
  "r.height || '|' || r.size || '|' || r.sha256, ',' ORDER BY r.name), '') FROM renditions " \
  "r WHERE r.version_id = " version_id ") AS renditions"

namespace parta::content {

// RenditionKind ↔ its column ("thumbnail", "preview"); "" and UNSPECIFIED for the file itself.
std::string RenditionName(v1::RenditionKind kind);
v1::RenditionKind RenditionKindOfName(absl::string_view name);

// The name a rendition's download carries: `file_name` without its extension, then
// ".thumbnail.jpg" or ".preview.jpg" ("фото.heic" → "фото.preview.jpg").
std::string RenditionFileName(absl::string_view file_name, v1::RenditionKind kind);

// Adds the renditions of PARTA_CONTENT_RENDITIONS_COLUMN's value to `version` (whose file name
// is set), thumbnail first.
void AddRenditions(absl::string_view packed, v1::Version& version);

}  // namespace parta::content
