#pragma once

// Reading a ZIP archive a test downloaded (libzip): every entry's name and bytes.

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace parta::testing {

absl::StatusOr<std::map<std::string, std::string>> ZipEntries(const std::string& archive);

}  // namespace parta::testing
