#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "services/content/previews/renderers.h"

namespace parta::content {
namespace {

// Points per inch: PDF page sizes are in points.
constexpr double kPointsPerInch = 72.0;

absl::Status Unreadable(absl::string_view detail) {
  return InvalidArgument("UNREADABLE_PDF", absl::StrCat("the PDF cannot be rendered: ", detail));
}

}  // namespace

absl::StatusOr<Pictures> RenderPdfFirstPage(absl::string_view bytes, const RenderLimits& limits) {
  // Damaged PDFs are the uploader's business, not the log's.
  static std::once_flag quiet;
  std::call_once(
      quiet, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
  if (bytes.empty() || bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return Unreadable("no document");
  }
  std::unique_ptr<poppler::document> document(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!document) return Unreadable("not a PDF, or damaged");
  if (document->is_locked()) return Unreadable("protected by a password");
  if (document->pages() < 1) return Unreadable("no pages");
  std::unique_ptr<poppler::page> page(document->create_page(0));
  if (!page) return Unreadable("the first page is damaged");

  // The resolution that makes the page's long side kPreviewLongSide pixels: the pixel count is
  // bounded whatever the page's size says. Poppler has no way to stop a page midway; the size
  // bounds the work of all but pathological pages.
  const poppler::rectf box = page->page_rect();
  const double long_side = std::max(box.width(), box.height());
  if (!(long_side > 0) || !std::isfinite(long_side)) return Unreadable("the page has no size");
  const double dpi = kPointsPerInch * kPreviewLongSide / long_side;
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_paper_color(0xffffffff);  // opaque white under transparent content
  const poppler::image image = renderer.render_page(page.get(), dpi, dpi);
  if (!image.is_valid() || image.format() != poppler::image::format_argb32 || image.width() <= 0 ||
      image.height() <= 0) {
    return Unreadable("the first page cannot be drawn");
  }
  const int width = image.width();
  const int height = image.height();
  if (int64_t{width} * height > int64_t{4} * kPreviewLongSide * kPreviewLongSide) {
    return Unreadable("the page drew at an unexpected size");
  }

  // ARGB32 is one native-endian 0xAARRGGBB word per pixel; the paper is opaque, so alpha is
  // dropped.
  std::string rgb(static_cast<size_t>(width) * static_cast<size_t>(height) * 3, '\0');
  size_t out = 0;
  for (int y = 0; y < height; ++y) {
    const char* row = image.const_data() + static_cast<ptrdiff_t>(y) * image.bytes_per_row();
    for (int x = 0; x < width; ++x) {
      uint32_t pixel = 0;
      std::memcpy(&pixel, row + static_cast<ptrdiff_t>(x) * 4, sizeof(pixel));
      rgb[out++] = static_cast<char>((pixel >> 16) & 0xff);
      rgb[out++] = static_cast<char>((pixel >> 8) & 0xff);
      rgb[out++] = static_cast<char>(pixel & 0xff);
    }
  }
  return RenderRgbPixels(rgb, width, height, limits);
}

}  // namespace parta::content
