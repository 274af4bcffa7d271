#include "services/content/storage/document_text.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "services/content/tests/pdf_sample.h"

namespace parta::content {
namespace {

TEST_CASE("Search reads the text of plain-text files and PDFs, nothing else", "[content][unit]") {
  CHECK(ExtractText("text/plain", "Дроби и проценты\n") == "Дроби и проценты\n");
  // Cut at a whole character: "ё" is two bytes.
  const std::string long_text = std::string(kMaxSearchTextBytes - 1, 'a') + "ё";
  REQUIRE(ExtractText("text/plain", long_text).has_value());
  CHECK(ExtractText("text/plain", long_text)->size() == kMaxSearchTextBytes - 1);
  CHECK_FALSE(ExtractText("text/plain", "\xCF\xF0\xE8\xE2\xE5\xF2\x20\xEC\xE8\xF0").has_value());

  const std::optional<std::string> pdf =
      ExtractText("application/pdf", testing::SamplePdf("Pythagorean theorem, proofs"));
  REQUIRE(pdf.has_value());
  CHECK(absl::StrContains(*pdf, "Pythagorean theorem, proofs"));
  CHECK_FALSE(ExtractText("application/pdf", "%PDF-1.4 damaged").has_value());
  CHECK_FALSE(ExtractText("image/png", "\x89PNG").has_value());
  CHECK(NeedsWholeFile("application/pdf", 1000));
  CHECK_FALSE(NeedsWholeFile("application/pdf", kMaxPdfBytesForText + 1));
  CHECK_FALSE(NeedsWholeFile("text/plain", 1000));
}

}  // namespace
}  // namespace parta::content
