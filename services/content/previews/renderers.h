#pragma once

// The pictures shown to others instead of a file: a thumbnail (long side at most 320 pixels)
// and a preview (at most 1280), of an image (libvips: turned upright by its EXIF orientation,
// colours converted to sRGB) or of a PDF's first page (poppler, then the same encoder). Both are
// JPEGs carrying no metadata at all: no EXIF (camera, time, GPS position), XMP, IPTC or colour
// profile. JPEG rather than WebP: every browser, mail client and older phone's web view shows
// it, libvips encodes it fastest, and the pictures are small either way; transparency is laid
// over white.
//
// Untrusted bytes: only libvips' fuzzed loaders are used (JPEG, PNG, WebP, GIF, TIFF, HEIF),
// chosen by what the bytes are; images above a pixel limit are refused before they are
// decoded, and the decoding stops at a deadline. No I/O, no database.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parta::content {

// The long side of each rendition, in pixels; smaller pictures are never enlarged.
inline constexpr int kThumbnailLongSide = 320;
inline constexpr int kPreviewLongSide = 1280;
inline constexpr absl::string_view kRenditionMediaType = "image/jpeg";

struct RenderLimits {
  // Images with more pixels are refused unread (2^26 ≈ 67 million: a 48 or 50 megapixel phone
  // photo passes, a decompression bomb does not).
  int64_t max_pixels = int64_t{1} << 26;
  // Decoding and encoding one file stop after this long.
  absl::Duration time_limit = absl::Seconds(30);
};

// One encoded picture.
struct Picture {
  std::string bytes;
  int width = 0;
  int height = 0;
};

struct Pictures {
  Picture thumbnail;
  Picture preview;
};

// Starts libvips once for the process (later calls answer the first one's outcome): only its
// fuzzed loaders, no operation cache (memory stays bounded), one worker thread per picture (a
// background job must not take the service's cores). INTERNAL `VIPS_UNAVAILABLE` when it fails.
absl::Status StartVips();

// The renditions of an image. INVALID_ARGUMENT `UNREADABLE_IMAGE` for bytes no allowed loader
// reads or that are damaged, FAILED_PRECONDITION `TOO_MANY_PIXELS`, DEADLINE_EXCEEDED
// `RENDER_TIMEOUT`; INTERNAL `VIPS_UNAVAILABLE`.
absl::StatusOr<Pictures> RenderImage(absl::string_view bytes, const RenderLimits& limits);

// The renditions of a picture given as 8-bit RGB pixels, row after row (`rgb` holds
// width * height * 3 bytes): what a renderer of another format (PDF pages) hands on.
// INVALID_ARGUMENT `UNREADABLE_IMAGE` when the sizes do not match; otherwise as RenderImage.
absl::StatusOr<Pictures> RenderRgbPixels(const std::string& rgb, int width, int height,
                                         const RenderLimits& limits);

// The renditions of a PDF's first page. INVALID_ARGUMENT `UNREADABLE_PDF` for a damaged,
// empty or password-protected document; otherwise as RenderImage.
absl::StatusOr<Pictures> RenderPdfFirstPage(absl::string_view bytes, const RenderLimits& limits);

}  // namespace parta::content
