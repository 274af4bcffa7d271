#pragma once

// Pictures for the tests of renditions, made with libvips: a phone photo's JPEG with an EXIF
// orientation and a GPS position, and the checks that a rendition carries no metadata.

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>
#include <vips/vips8>

#include "absl/strings/match.h"
#include "services/content/previews/renderers.h"

namespace parta::content::testing {

// The EXIF block a phone writes ("Exif\0\0" and a little-endian TIFF): IFD0 with the
// orientation and a pointer to the GPS IFD, which holds 55°45'21" N, 37°37'3" E.
inline std::string PhoneExif(uint16_t orientation) {
  std::string tiff;
  auto u16 = [&](uint16_t v) {
    tiff.push_back(static_cast<char>(v & 0xff));
    tiff.push_back(static_cast<char>(v >> 8));
  };
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) tiff.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto entry = [&](uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
    u16(tag);
    u16(type);
    u32(count);
    u32(value);
  };
  constexpr uint16_t kShort = 3, kLong = 4, kAscii = 2, kRational = 5;
  constexpr uint32_t kGpsIfd = 8 + 2 + 2 * 12 + 4;          // 38
  constexpr uint32_t kLatitude = kGpsIfd + 2 + 4 * 12 + 4;  // 92
  constexpr uint32_t kLongitude = kLatitude + 24;           // 116
  tiff += "II";
  u16(42);
  u32(8);
  u16(2);
  entry(0x0112, kShort, 1, orientation);  // Orientation
  entry(0x8825, kLong, 1, kGpsIfd);       // GPSInfo
  u32(0);
  u16(4);
  entry(0x0001, kAscii, 2, 'N');  // GPSLatitudeRef "N\0"
  entry(0x0002, kRational, 3, kLatitude);
  entry(0x0003, kAscii, 2, 'E');  // GPSLongitudeRef "E\0"
  entry(0x0004, kRational, 3, kLongitude);
  u32(0);
  for (uint32_t part : {55u, 45u, 21u, 37u, 37u, 3u}) {
    u32(part);
    u32(1);
  }
  return std::string("Exif\0\0", 6) + tiff;
}

// A JPEG of `width`×`height` stored pixels, red on the left half and blue on the right, with
// PhoneExif(orientation) (6: the camera was turned, show it rotated a quarter clockwise).
inline std::string PhonePhoto(int width, int height, uint16_t orientation) {
  REQUIRE(StartVips().ok());
  using vips::VImage;
  const VImage black = VImage::black(width / 2, height, VImage::option()->set("bands", 3));
  const VImage red = (black + std::vector<double>{255, 0, 0}).cast(VIPS_FORMAT_UCHAR);
  const VImage blue = (black + std::vector<double>{0, 0, 255}).cast(VIPS_FORMAT_UCHAR);
  VImage photo = red.join(blue, VIPS_DIRECTION_HORIZONTAL)
                     .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  const std::string exif = PhoneExif(orientation);
  photo.set("exif-data", nullptr, const_cast<char*>(exif.data()), exif.size());
  photo.set("orientation", orientation);
  VipsBlob* blob = photo.jpegsave_buffer(VImage::option()->set("Q", 90));
  size_t length = 0;
  const void* data = vips_blob_get(blob, &length);
  std::string jpeg(static_cast<const char*>(data), length);
  vips_area_unref(VIPS_AREA(blob));
  return jpeg;
}

// A PNG of `width`×`height` half-transparent green pixels.
inline std::string TranslucentPng(int width, int height) {
  REQUIRE(StartVips().ok());
  using vips::VImage;
  const VImage pixels =
      (VImage::black(width, height, VImage::option()->set("bands", 4)) +
       std::vector<double>{0, 200, 0, 128})
          .cast(VIPS_FORMAT_UCHAR)
          .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  VipsBlob* blob = pixels.pngsave_buffer();
  size_t length = 0;
  const void* data = vips_blob_get(blob, &length);
  std::string png(static_cast<const char*>(data), length);
  vips_area_unref(VIPS_AREA(blob));
  return png;
}

// The metadata fields of an encoded picture that could tell anything of its origin.
inline std::vector<std::string> MetadataFields(const std::string& bytes) {
  const vips::VImage image = vips::VImage::new_from_buffer(bytes, "");
  std::vector<std::string> found;
  gchar** fields = vips_image_get_fields(image.get_image());
  for (gchar** field = fields; *field != nullptr; ++field) {
    const absl::string_view name = *field;
    if (absl::StartsWith(name, "exif") || absl::StartsWith(name, "xmp") ||
        absl::StartsWith(name, "iptc") || absl::StartsWith(name, "icc") || name == "orientation") {
      found.emplace_back(name);
    }
  }
  g_strfreev(fields);
  return found;
}

}  // namespace parta::content::testing
