#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <vector>
#include <vips/vips8>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "services/content/previews/renderers.h"

namespace parta::content {
namespace {

using vips::VError;
using vips::VImage;

// JPEG quality of the renditions: no visible loss at their sizes, a third of quality 95's bytes.
constexpr int kJpegQuality = 80;

// libvips' loaders that are fuzzed and safe for untrusted bytes (its own list of untrusted ones
// is blocked as well, see StartVips). SVG, PDF, JPEG 2000 and ImageMagick are never used here.
constexpr std::array<absl::string_view, 6> kAllowedLoaders = {
    "VipsForeignLoadJpegBuffer",  "VipsForeignLoadPngBuffer",  "VipsForeignLoadWebpBuffer",
    "VipsForeignLoadNsgifBuffer", "VipsForeignLoadTiffBuffer", "VipsForeignLoadHeifBuffer"};

absl::Status Unreadable(absl::string_view detail) {
  return InvalidArgument("UNREADABLE_IMAGE", absl::StrCat("the image cannot be read: ", detail));
}

// libvips keeps its errors in a per-thread buffer: read it once and empty it, so that one file's
// error never shows in the next one's.
std::string TakeVipsError() {
  std::string error = vips_error_buffer();
  vips_error_clear();
  while (!error.empty() && error.back() == '\n') error.pop_back();
  return error;
}

// A libvips blob over bytes the caller keeps alive, released on scope exit.
class BorrowedBlob {
 public:
  explicit BorrowedBlob(absl::string_view bytes)
      : blob_(vips_blob_new(nullptr, bytes.data(), bytes.size())) {}
  ~BorrowedBlob() { vips_area_unref(VIPS_AREA(blob_)); }
  BorrowedBlob(const BorrowedBlob&) = delete;
  BorrowedBlob& operator=(const BorrowedBlob&) = delete;
  VipsBlob* get() const { return blob_; }

 private:
  VipsBlob* blob_;
};

// Stops a libvips evaluation at a deadline: libvips signals `eval` as it computes an image (and
// the images made from it), and a handler may set the image's kill flag, which ends the
// computation with an error.
class Deadline {
 public:
  Deadline(const VImage& image, absl::Duration limit)
      : image_(image.get_image()),
        deadline_(std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(limit)) {
    vips_image_set_progress(image_, TRUE);
    handler_ = g_signal_connect(image_, "eval", G_CALLBACK(&Deadline::OnEval), this);
  }
  ~Deadline() { g_signal_handler_disconnect(image_, handler_); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  bool expired() const { return expired_.load(); }

 private:
  static void OnEval(VipsImage* image, VipsProgress*, void* self) {
    auto* deadline = static_cast<Deadline*>(self);
    if (std::chrono::steady_clock::now() >= deadline->deadline_) {
      deadline->expired_ = true;
      vips_image_set_kill(image, TRUE);
    }
  }

  VipsImage* const image_;
  const std::chrono::steady_clock::time_point deadline_;
  gulong handler_ = 0;
  std::atomic<bool> expired_ = false;  // set on libvips' worker thread
};

Picture Encode(const VImage& image) {
  VipsBlob* blob = image.jpegsave_buffer(
      VImage::option()->set("Q", kJpegQuality)->set("optimize_coding", true)->set("strip", true));
  size_t length = 0;
  const void* data = vips_blob_get(blob, &length);
  Picture picture{.bytes = std::string(static_cast<const char*>(data), length),
                  .width = image.width(),
                  .height = image.height()};
  vips_area_unref(VIPS_AREA(blob));
  return picture;
}

// Whether a metadata field may tell something of the original file (where, when, with what).
bool IsMetadata(absl::string_view field) {
  return absl::StartsWith(field, "exif-") || absl::StartsWith(field, "xmp-") ||
         absl::StartsWith(field, "iptc-") || absl::StartsWith(field, "icc-") ||
         absl::StartsWith(field, "png-comment") || absl::StartsWith(field, "gif-comment") ||
         field == "orientation";
}

// Removes every metadata field of a picture this code made: the encoder strips them too, and
// this keeps them out of anything else done with the picture.
void DropMetadata(const VImage& image) {
  gchar** fields = vips_image_get_fields(image.get_image());
  for (gchar** field = fields; *field != nullptr; ++field) {
    if (IsMetadata(*field)) vips_image_remove(image.get_image(), *field);
  }
  g_strfreev(fields);
}

// The preview (`picture`, already at most kPreviewLongSide) and the thumbnail made of it, as
// 8-bit sRGB JPEGs. Throws VError.
absl::StatusOr<Pictures> EncodeBoth(VImage picture, const RenderLimits& limits) {
  if (picture.has_alpha()) {
    picture = picture.flatten(VImage::option()->set("background", std::vector<double>{255.0}));
  }
  picture = picture.colourspace(VIPS_INTERPRETATION_sRGB);
  if (picture.format() != VIPS_FORMAT_UCHAR) picture = picture.cast(VIPS_FORMAT_UCHAR);
  // The whole decoding happens here, once, under the deadline; both encodings read memory.
  VImage preview;
  {
    Deadline deadline(picture, limits.time_limit);
    try {
      preview = picture.copy_memory();
    } catch (const VError&) {
      if (deadline.expired()) {
        vips_error_clear();
        return Error(
            absl::StatusCode::kDeadlineExceeded, "RENDER_TIMEOUT",
            absl::StrCat("rendering took longer than ", absl::FormatDuration(limits.time_limit)));
      }
      throw;
    }
  }
  DropMetadata(preview);
  VImage thumbnail =
      preview.thumbnail_image(kThumbnailLongSide, VImage::option()
                                                      ->set("height", kThumbnailLongSide)
                                                      ->set("size", VIPS_SIZE_DOWN)
                                                      ->set("no_rotate", true));
  return Pictures{.thumbnail = Encode(thumbnail), .preview = Encode(preview)};
}

}  // namespace

absl::Status StartVips() {
  static std::once_flag once;
  static absl::Status* started = nullptr;
  std::call_once(once, [] {
    if (VIPS_INIT("parta-content") != 0) {
      started = new absl::Status(
          Internal("VIPS_UNAVAILABLE", absl::StrCat("libvips did not start: ", TakeVipsError())));
      return;
    }
    vips_block_untrusted_set(TRUE);
    // libvips warns of damaged files on stderr: they are the uploader's business, and what
    // cannot be rendered is recorded with its reason.
    g_log_set_handler(
        "VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
        [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    started = new absl::Status();
  });
  return *started;
}

absl::StatusOr<Pictures> RenderImage(absl::string_view bytes, const RenderLimits& limits) {
  RETURN_IF_ERROR(StartVips());
  const char* loader = vips_foreign_find_load_buffer(bytes.data(), bytes.size());
  if (loader == nullptr) {
    vips_error_clear();
    return Unreadable("not a picture format that is read");
  }
  bool allowed = false;
  for (absl::string_view name : kAllowedLoaders) allowed = allowed || name == loader;
  if (!allowed) return Unreadable(absl::StrCat("the format of ", loader, " is not read"));
  try {
    // The header only: nothing is decoded before the size is known.
    const VImage header = VImage::new_from_buffer(
        bytes.data(), bytes.size(), "", VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    const int64_t pixels = int64_t{header.width()} * header.height();
    if (pixels > limits.max_pixels) {
      return FailedPrecondition(
          "TOO_MANY_PIXELS", absl::StrCat("the image has ", header.width(), "×", header.height(),
                                          " pixels; at most ", limits.max_pixels, " are rendered"));
    }
    // Shrinks while it decodes where the format allows (JPEG, WebP, HEIF) and turns the picture
    // upright by its orientation tag. A picture with a colour profile of its own (a phone's
    // Display P3) is converted to sRGB by it; one without is taken as sRGB and left as it is (a
    // conversion from an assumed profile would shift saturated colours).
    const BorrowedBlob blob(bytes);
    vips::VOption* options = VImage::option()
                                 ->set("height", kPreviewLongSide)
                                 ->set("size", VIPS_SIZE_DOWN)
                                 ->set("fail_on", VIPS_FAIL_ON_TRUNCATED);
    if (header.get_typeof(VIPS_META_ICC_NAME) != 0) {
      options = options->set("export_profile", "srgb")->set("intent", VIPS_INTENT_RELATIVE);
    }
    const VImage preview = VImage::thumbnail_buffer(blob.get(), kPreviewLongSide, options);
    return EncodeBoth(preview, limits);
  } catch (const VError& error) {
    vips_error_clear();
    return Unreadable(error.what());
  }
}

absl::StatusOr<Pictures> RenderRgbPixels(const std::string& rgb, int width, int height,
                                         const RenderLimits& limits) {
  RETURN_IF_ERROR(StartVips());
  if (width <= 0 || height <= 0 ||
      rgb.size() != static_cast<size_t>(width) * static_cast<size_t>(height) * 3) {
    return Unreadable("the pixels do not match the picture's size");
  }
  if (int64_t{width} * height > limits.max_pixels) {
    return FailedPrecondition("TOO_MANY_PIXELS", "the picture has too many pixels");
  }
  try {
    // libvips reads the caller's memory; everything is computed before this returns.
    const VImage pixels =
        VImage::new_from_memory(const_cast<char*>(rgb.data()), rgb.size(), width, height, 3,
                                VIPS_FORMAT_UCHAR)
            .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    const VImage preview = pixels.thumbnail_image(
        kPreviewLongSide,
        VImage::option()->set("height", kPreviewLongSide)->set("size", VIPS_SIZE_DOWN));
    return EncodeBoth(preview, limits);
  } catch (const VError& error) {
    vips_error_clear();
    return Unreadable(error.what());
  }
}

}  // namespace parta::content
