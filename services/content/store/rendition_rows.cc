#include "services/content/store/rendition_rows.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace parta::content {

std::string RenditionName(v1::RenditionKind kind) {
  switch (kind) {
    case v1::RENDITION_KIND_THUMBNAIL:
      return "thumbnail";
    case v1::RENDITION_KIND_PREVIEW:
      return "preview";
    default:
      return "";
  }
}

v1::RenditionKind RenditionKindOfName(absl::string_view name) {
  if (name == "thumbnail") return v1::RENDITION_KIND_THUMBNAIL;
  if (name == "preview") return v1::RENDITION_KIND_PREVIEW;
  return v1::RENDITION_KIND_UNSPECIFIED;
}

std::string RenditionFileName(absl::string_view file_name, v1::RenditionKind kind) {
  // "отчёт.pdf" → "отчёт"; a name that only starts with a dot (".profile") has no extension.
  const size_t dot = file_name.rfind('.');
  const absl::string_view stem =
      dot == absl::string_view::npos || dot == 0 ? file_name : file_name.substr(0, dot);
  return absl::StrCat(stem, ".", RenditionName(kind), ".jpg");
}

void AddRenditions(absl::string_view packed, v1::Version& version) {
  std::vector<v1::Rendition> renditions;
  for (absl::string_view entry : absl::StrSplit(packed, ',', absl::SkipEmpty())) {
    const std::vector<absl::string_view> fields = absl::StrSplit(entry, '|');
    v1::Rendition rendition;
    int width = 0;
    int height = 0;
    int64_t size = 0;
    if (fields.size() != 6 || !absl::SimpleAtoi(fields[2], &width) ||
        !absl::SimpleAtoi(fields[3], &height) || !absl::SimpleAtoi(fields[4], &size)) {
      continue;  // the column's CHECKs make this unreachable
    }
    rendition.set_kind(RenditionKindOfName(fields[0]));
    rendition.set_media_type(std::string(fields[1]));
    rendition.set_width(width);
    rendition.set_height(height);
    rendition.set_size(size);
    rendition.set_sha256(std::string(fields[5]));
    rendition.set_file_name(RenditionFileName(version.file_name(), rendition.kind()));
    renditions.push_back(std::move(rendition));
  }
  std::sort(renditions.begin(), renditions.end(),
            [](const v1::Rendition& a, const v1::Rendition& b) { return a.kind() < b.kind(); });
  for (v1::Rendition& rendition : renditions) *version.add_renditions() = std::move(rendition);
}

}  // namespace parta::content
