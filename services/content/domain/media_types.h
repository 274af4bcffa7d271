#pragma once

// What a media type (read from the bytes) means for content: the item's kind, whether it may be
// shown inline, and whether it contradicts what the uploader declared.

#include <string>

#include "absl/strings/string_view.h"
#include "parta/content/v1/content.pb.h"

namespace parta::content {

// The kind of item bytes of this type make.
v1::ItemKind KindOf(absl::string_view media_type);

// Passive types a browser may show inline on a sandboxed page: raster images, audio, video,
// PDF, plain text. HTML, SVG, XML, scripts and anything unknown are served as attachments only.
bool InlineSafe(absl::string_view media_type);

// Whether bytes sniffed as `sniffed` fit the declared type. Nothing declared, or
// application/octet-stream, fits anything. Types the bytes always reveal (images, audio, video,
// PDF) must be of the same family ("image/jpeg" declared, "image/png" found fits; a PDF
// declared as an image does not). Other declared types fit bytes the sniffer cannot tell apart
// from them: the same type, text for text, a ZIP or generic bytes for office documents and
// archives.
bool DeclaredTypeFits(absl::string_view declared, absl::string_view sniffed);

// The lower-case "type/subtype" of a declared type, without parameters.
std::string EssenceOf(absl::string_view media_type);

}  // namespace parta::content
