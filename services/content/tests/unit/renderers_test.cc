#include "services/content/previews/renderers.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "libs/core/status.h"
#include "services/content/store/rendition_rows.h"
#include "services/content/tests/pdf_sample.h"
#include "services/content/tests/sample_images.h"

namespace parta::content {
namespace {

using vips::VImage;

VImage Decode(const Picture& picture) {
  const VImage image = VImage::new_from_buffer(picture.bytes, "");
  CHECK(image.width() == picture.width);
  CHECK(image.height() == picture.height);
  CHECK(image.bands() == 3);
  CHECK(image.get_string("vips-loader") == std::string("jpegload_buffer"));
  return image;
}

// Whether the pixel at (x, y) is close to `rgb`.
bool Near(const VImage& image, int x, int y, const std::vector<double>& rgb) {
  const std::vector<double> pixel = const_cast<VImage&>(image).getpoint(x, y);
  UNSCOPED_INFO("pixel " << pixel[0] << "," << pixel[1] << "," << pixel[2]);
  for (size_t band = 0; band < rgb.size(); ++band) {
    if (std::abs(pixel[band] - rgb[band]) > 40) return false;
  }
  return true;
}

TEST_CASE("A phone photo is turned upright and shrunk, and loses its EXIF and GPS position",
          "[content][unit][previews]") {
  // 3000×1500 stored sideways (orientation 6): shown as 1500×3000, red on top.
  const std::string photo = testing::PhonePhoto(3000, 1500, 6);
  {
    const VImage original = VImage::new_from_buffer(photo, "");
    REQUIRE(original.get_typeof("exif-ifd3-GPSLatitude") != 0);  // the fixture carries it
    REQUIRE(original.get_int("orientation") == 6);
  }
  const absl::StatusOr<Pictures> pictures = RenderImage(photo, RenderLimits{});
  INFO(pictures.status().ToString());
  REQUIRE(pictures.ok());

  CHECK(pictures->preview.width == 640);
  CHECK(pictures->preview.height == 1280);
  CHECK(pictures->thumbnail.width == 160);
  CHECK(pictures->thumbnail.height == 320);
  for (const Picture* picture : {&pictures->preview, &pictures->thumbnail}) {
    const VImage image = Decode(*picture);
    CHECK(Near(image, image.width() / 2, image.height() / 4, {255, 0, 0}));
    CHECK(Near(image, image.width() / 2, image.height() * 3 / 4, {0, 0, 255}));
    CHECK(testing::MetadataFields(picture->bytes).empty());
    CHECK_FALSE(absl::StrContains(picture->bytes, absl::string_view("Exif\0\0", 6)));
    CHECK_FALSE(absl::StrContains(picture->bytes, "http://ns.adobe.com/xap"));
  }
}

TEST_CASE("A small picture is not enlarged, and transparency is laid over white",
          "[content][unit][previews]") {
  const absl::StatusOr<Pictures> pictures = RenderImage(testing::TranslucentPng(200, 100), {});
  INFO(pictures.status().ToString());
  REQUIRE(pictures.ok());
  CHECK(pictures->preview.width == 200);
  CHECK(pictures->preview.height == 100);
  CHECK(pictures->thumbnail.width == 200);
  const VImage image = Decode(pictures->preview);
  // Half-transparent green over white.
  CHECK(Near(image, 100, 50, {127, 227, 127}));
}

TEST_CASE("A PDF's first page becomes a preview and a thumbnail", "[content][unit][previews]") {
  const absl::StatusOr<Pictures> pictures =
      RenderPdfFirstPage(testing::SamplePdf("Pythagorean theorem, proofs"), {});
  INFO(pictures.status().ToString());
  REQUIRE(pictures.ok());
  // A 400×144 pt page: long side 1280 and 320.
  CHECK(pictures->preview.width == 1280);
  CHECK(std::abs(pictures->preview.height - 461) <= 1);
  CHECK(pictures->thumbnail.width == 320);
  CHECK(std::abs(pictures->thumbnail.height - 115) <= 1);
  const VImage page = Decode(pictures->preview);
  CHECK(Near(page, 5, 5, {255, 255, 255}));  // white paper
  CHECK(page.min() < 100);                   // and dark text on it
  CHECK(testing::MetadataFields(pictures->preview.bytes).empty());
}

TEST_CASE("Damaged and unsupported files fail cleanly with a reason", "[content][unit][previews]") {
  const absl::StatusOr<Pictures> garbage = RenderImage("this is not a picture at all", {});
  CHECK(absl::IsInvalidArgument(garbage.status()));
  CHECK(ReasonOf(garbage.status()) == "UNREADABLE_IMAGE");

  const std::string photo = testing::PhonePhoto(400, 200, 1);
  // A JPEG cut short shows what it has, as a browser shows it.
  const absl::StatusOr<Pictures> cut = RenderImage(photo.substr(0, photo.size() / 2), {});
  CHECK(cut.ok());
  // One cut in its header is no picture.
  const absl::StatusOr<Pictures> headless = RenderImage(photo.substr(0, 100), {});
  CHECK(ReasonOf(headless.status()) == "UNREADABLE_IMAGE");

  // SVG (scripts, external references) and PDF are never read by libvips here.
  const absl::StatusOr<Pictures> svg = RenderImage(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>", {});
  CHECK(ReasonOf(svg.status()) == "UNREADABLE_IMAGE");
  const absl::StatusOr<Pictures> pdf_as_image = RenderImage(testing::SamplePdf("x"), {});
  CHECK(ReasonOf(pdf_as_image.status()) == "UNREADABLE_IMAGE");

  const absl::StatusOr<Pictures> pdf = RenderPdfFirstPage("%PDF-1.4 damaged", {});
  CHECK(absl::IsInvalidArgument(pdf.status()));
  CHECK(ReasonOf(pdf.status()) == "UNREADABLE_PDF");
}

TEST_CASE("Images above the pixel limit are refused unread, and rendering stops at its deadline",
          "[content][unit][previews]") {
  const std::string photo = testing::PhonePhoto(2000, 1000, 1);
  const absl::StatusOr<Pictures> large =
      RenderImage(photo, {.max_pixels = 1999 * 1000, .time_limit = absl::Seconds(30)});
  CHECK(absl::IsFailedPrecondition(large.status()));
  CHECK(ReasonOf(large.status()) == "TOO_MANY_PIXELS");

  const absl::StatusOr<Pictures> slow =
      RenderImage(testing::TranslucentPng(2000, 2000), {.time_limit = absl::ZeroDuration()});
  CHECK(absl::IsDeadlineExceeded(slow.status()));
  CHECK(ReasonOf(slow.status()) == "RENDER_TIMEOUT");

  // Nothing is left behind for the next file.
  CHECK(RenderImage(photo, {}).ok());
}

TEST_CASE("Renditions are named after the file and read back from their column",
          "[content][unit][previews]") {
  CHECK(RenditionFileName("фото.heic", v1::RENDITION_KIND_PREVIEW) == "фото.preview.jpg");
  CHECK(RenditionFileName("отчёт.2024.pdf", v1::RENDITION_KIND_THUMBNAIL) ==
        "отчёт.2024.thumbnail.jpg");
  CHECK(RenditionFileName(".profile", v1::RENDITION_KIND_THUMBNAIL) == ".profile.thumbnail.jpg");
  CHECK(RenditionFileName("README", v1::RENDITION_KIND_PREVIEW) == "README.preview.jpg");

  v1::Version version;
  version.set_file_name("фото.jpg");
  const std::string sha(64, 'a');
  AddRenditions(
      "preview|image/jpeg|1280|960|120000|" + sha + ",thumbnail|image/jpeg|320|240|9000|" + sha,
      version);
  REQUIRE(version.renditions_size() == 2);
  CHECK(version.renditions(0).kind() == v1::RENDITION_KIND_THUMBNAIL);
  CHECK(version.renditions(0).width() == 320);
  CHECK(version.renditions(0).size() == 9000);
  CHECK(version.renditions(0).file_name() == "фото.thumbnail.jpg");
  CHECK(version.renditions(1).kind() == v1::RENDITION_KIND_PREVIEW);
  CHECK(version.renditions(1).height() == 960);
  CHECK(version.renditions(1).sha256() == sha);
  v1::Version none;
  AddRenditions("", none);
  CHECK(none.renditions_size() == 0);
}

}  // namespace
}  // namespace parta::content
