#include "services/content/domain/validation.h"

#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta::content {
namespace {

std::string NameReason(absl::string_view name) { return ReasonOf(CheckFileName(name)); }

TEST_CASE("File names: Cyrillic kept, paths and controls refused", "[content][unit]") {
  CHECK(CheckFileName("Контрольная работа 5А.docx").ok());
  CHECK(CheckFileName("résumé (1).pdf").ok());
  CHECK(CheckFileName(std::string(255, 'x')).ok());
  CHECK(CheckFileName(std::string(127, 'x') + "ё").ok());

  CHECK(NameReason("") == "INVALID_FILE_NAME");
  CHECK(NameReason(std::string(256, 'x')) == "INVALID_FILE_NAME");
  CHECK(NameReason("../etc/passwd") == "INVALID_FILE_NAME");
  CHECK(NameReason("dir\\file.txt") == "INVALID_FILE_NAME");
  CHECK(NameReason(".") == "INVALID_FILE_NAME");
  CHECK(NameReason("..") == "INVALID_FILE_NAME");
  CHECK(NameReason("   ") == "INVALID_FILE_NAME");
  CHECK(NameReason(std::string("a\nb.txt")) == "INVALID_FILE_NAME");
  CHECK(NameReason(std::string("a\0b", 3)) == "INVALID_FILE_NAME");
  CHECK(NameReason("a\x7f"
                   "b") == "INVALID_FILE_NAME");
  // U+202E RIGHT-TO-LEFT OVERRIDE: "photo<RLO>gnp.exe" shows as "photoexe.png".
  CHECK(NameReason("photo\xE2\x80\xAEgnp.exe") == "INVALID_FILE_NAME");
  CHECK(NameReason("\xC3\x28.txt") == "INVALID_FILE_NAME");  // not UTF-8
}

TEST_CASE("Declared media types: type/subtype or nothing", "[content][unit]") {
  CHECK(CheckDeclaredMediaType("").ok());
  CHECK(CheckDeclaredMediaType("application/pdf").ok());
  CHECK(CheckDeclaredMediaType("application/vnd.openxmlformats-officedocument.presentationml."
                               "presentation")
            .ok());
  CHECK(ReasonOf(CheckDeclaredMediaType("pdf")) == "INVALID_MEDIA_TYPE");
  CHECK(ReasonOf(CheckDeclaredMediaType("text/html\r\nX-Evil: 1")) == "INVALID_MEDIA_TYPE");
  CHECK(ReasonOf(CheckDeclaredMediaType("/plain")) == "INVALID_MEDIA_TYPE");
}

}  // namespace
}  // namespace parta::content
