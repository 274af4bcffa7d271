#include "services/content/domain/media_types.h"

#include <catch2/catch.hpp>

namespace parta::content {
namespace {

TEST_CASE("Kinds follow the type read from the bytes", "[content][unit]") {
  CHECK(KindOf("image/png") == v1::ITEM_KIND_IMAGE);
  CHECK(KindOf("video/mp4") == v1::ITEM_KIND_VIDEO);
  CHECK(KindOf("audio/mpeg") == v1::ITEM_KIND_AUDIO);
  CHECK(KindOf("application/pdf") == v1::ITEM_KIND_DOCUMENT);
  CHECK(KindOf("application/vnd.openxmlformats-officedocument.presentationml.presentation") ==
        v1::ITEM_KIND_DOCUMENT);
  CHECK(KindOf("application/x-executable") == v1::ITEM_KIND_FILE);
}

TEST_CASE("Only passive types may be shown inline", "[content][unit]") {
  CHECK(InlineSafe("image/png"));
  CHECK(InlineSafe("application/pdf"));
  CHECK(InlineSafe("text/plain"));
  CHECK_FALSE(InlineSafe("image/svg+xml"));
  CHECK_FALSE(InlineSafe("text/html"));
  CHECK_FALSE(InlineSafe("application/xhtml+xml"));
  CHECK_FALSE(InlineSafe("application/javascript"));
  CHECK_FALSE(InlineSafe("application/octet-stream"));
}

TEST_CASE("A declared type must not contradict the bytes", "[content][unit]") {
  CHECK(DeclaredTypeFits("", "application/x-executable"));
  CHECK(DeclaredTypeFits("application/octet-stream", "image/png"));
  CHECK(DeclaredTypeFits("image/jpeg", "image/png"));
  CHECK(DeclaredTypeFits("Application/PDF; charset=binary", "application/pdf"));
  CHECK(DeclaredTypeFits("text/csv", "text/plain"));
  CHECK(DeclaredTypeFits("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         "application/zip"));
  CHECK(DeclaredTypeFits("application/msword", "application/CDFV2"));

  CHECK_FALSE(DeclaredTypeFits("image/png", "application/pdf"));
  CHECK_FALSE(DeclaredTypeFits("application/pdf", "text/html"));
  CHECK_FALSE(DeclaredTypeFits("text/plain", "image/png"));
  CHECK_FALSE(DeclaredTypeFits("application/msword", "application/x-executable"));
  CHECK_FALSE(DeclaredTypeFits("video/mp4", "text/plain"));
}

}  // namespace
}  // namespace parta::content
