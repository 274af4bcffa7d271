#include "services/content/domain/media_types.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace parta::content {
namespace {

absl::string_view TopLevel(absl::string_view media_type) {
  return media_type.substr(0, media_type.find('/'));
}

bool IsDocument(absl::string_view type) {
  return type == "application/pdf" || type == "text/plain" || type == "application/rtf" ||
         type == "text/rtf" || type == "application/msword" || type == "application/vnd.ms-excel" ||
         type == "application/vnd.ms-powerpoint" ||
         absl::StartsWith(type, "application/vnd.openxmlformats-officedocument.") ||
         absl::StartsWith(type, "application/vnd.oasis.opendocument.");
}

// Types whose bytes always say what they are.
bool Revealing(absl::string_view type) {
  const absl::string_view top = TopLevel(type);
  return top == "image" || top == "audio" || top == "video" || type == "application/pdf";
}

bool Generic(absl::string_view type) {
  return type == "application/octet-stream" || type == "application/zip" ||
         type == "application/x-empty";
}

}  // namespace

std::string EssenceOf(absl::string_view media_type) {
  absl::string_view essence = media_type.substr(0, media_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(essence));
}

v1::ItemKind KindOf(absl::string_view media_type) {
  const absl::string_view top = TopLevel(media_type);
  if (top == "image") return v1::ITEM_KIND_IMAGE;
  if (top == "audio") return v1::ITEM_KIND_AUDIO;
  if (top == "video") return v1::ITEM_KIND_VIDEO;
  if (IsDocument(media_type)) return v1::ITEM_KIND_DOCUMENT;
  return v1::ITEM_KIND_FILE;
}

bool InlineSafe(absl::string_view media_type) {
  if (media_type == "image/png" || media_type == "image/jpeg" || media_type == "image/gif" ||
      media_type == "image/webp" || media_type == "image/bmp" || media_type == "image/avif") {
    return true;
  }
  const absl::string_view top = TopLevel(media_type);
  return top == "audio" || top == "video" || media_type == "application/pdf" ||
         media_type == "text/plain";
}

bool DeclaredTypeFits(absl::string_view declared_type, absl::string_view sniffed) {
  const std::string declared = EssenceOf(declared_type);
  if (declared.empty() || declared == "application/octet-stream" || declared == sniffed) {
    return true;
  }
  if (Revealing(declared)) {
    return declared == "application/pdf" ? sniffed == "application/pdf"
                                         : TopLevel(declared) == TopLevel(sniffed);
  }
  if (Revealing(sniffed)) return false;
  if (TopLevel(declared) == "text") return TopLevel(sniffed) == "text";
  // Office files are ZIP or OLE containers, which the sniffer may name instead.
  const bool container = sniffed == "application/CDFV2" || sniffed == "application/x-ole-storage";
  return Generic(sniffed) || (IsDocument(declared) && (IsDocument(sniffed) || container));
}

}  // namespace parta::content
