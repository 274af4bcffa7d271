#pragma once

// A person's directory data as the files of his data export (parta.api.v1.ExportFile): JSON
// documents "directory/memberships.json", "directory/parent_links.json",
// "directory/consents.json" and "directory/join_requests.json", each an array (empty for a
// person the directory does not know), times in RFC 3339 UTC.

#include "absl/status/status.h"
#include "parta/directory/v1/directory.pb.h"
#include "services/directory/domain/model.h"

namespace parta::directory {

absl::Status ToExportFiles(const PersonExport& exported, v1::ExportPersonDataResponse& out);

}  // namespace parta::directory
