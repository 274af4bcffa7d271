#include "services/content/storage/file_blob_store.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "libs/core/status.h"
#include "services/content/storage/media_sniffer.h"

namespace parta::content {
namespace {

// A fresh folder under the test's temporary directory.
std::string FreshRoot(const std::string& name) {
  const auto root = std::filesystem::temp_directory_path() /
                    ("parta-content-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  return root.string();
}

TEST_CASE("Staged bytes become a blob named by their SHA-256", "[content][unit]") {
  const std::string root = FreshRoot("promote");
  auto store = FileBlobStore::Open(root);
  REQUIRE(store.ok());
  REQUIRE((*store)->WriteStaged("u1", 0, "hello ").ok());
  REQUIRE((*store)->WriteStaged("u1", 6, "world").ok());
  // Leftovers of a crashed write past the size are cut before hashing.
  REQUIRE((*store)->WriteStaged("u1", 11, "junk").ok());
  absl::StatusOr<StagedSummary> summary = (*store)->SummarizeStaged("u1", 11);
  REQUIRE(summary.ok());
  CHECK(summary->sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
  CHECK(summary->head == "hello world");

  REQUIRE((*store)->Promote("u1", summary->sha256).ok());
  REQUIRE((*store)->RemoveStaged("u1").ok());
  CHECK(*(*store)->Read(summary->sha256, 6, 100) == "world");
  CHECK(*(*store)->Read(summary->sha256, 0, 5) == "hello");

  // The same bytes again replace the blob in place.
  REQUIRE((*store)->WriteStaged("u2", 0, "hello world").ok());
  REQUIRE((*store)->Promote("u2", summary->sha256).ok());
  CHECK(*(*store)->Read(summary->sha256, 0, 100) == "hello world");

  REQUIRE((*store)->Remove(summary->sha256).ok());
  CHECK(ReasonOf((*store)->Read(summary->sha256, 0, 1).status()) == "BLOB_MISSING");
  CHECK((*store)->Remove(summary->sha256).ok());  // gone already: nothing to do
  std::filesystem::remove_all(root);
}

TEST_CASE("Held bytes are hashed by range and can be cut off", "[content][unit]") {
  const std::string root = FreshRoot("held");
  auto store = FileBlobStore::Open(root);
  REQUIRE(store.ok());
  REQUIRE((*store)->WriteStaged("u", 0, "abcdef").ok());
  absl::StatusOr<std::string> digest = (*store)->HashStaged("u", 3, 6);
  REQUIRE(digest.ok());
  CHECK(absl::BytesToHexString(*digest) ==
        "cb8379ac2098aa165029e3938a51da0bcecfc008fd6795f401178647f96c5b34");  // SHA-256 of "def"
  REQUIRE((*store)->TruncateStaged("u", 3).ok());
  CHECK(ReasonOf((*store)->HashStaged("u", 0, 6).status()) == "STAGED_FILE_SHORT");
  std::filesystem::remove_all(root);
}

TEST_CASE("Types come from the bytes, not from names", "[content][unit]") {
  auto sniffer = MediaSniffer::Open();
  REQUIRE(sniffer.ok());
  CHECK((*sniffer)->TypeOf("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n") == "application/pdf");
  CHECK((*sniffer)->TypeOf(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)) == "image/png");
  CHECK((*sniffer)->TypeOf("Привет, класс! Завтра контрольная.\n") == "text/plain");
  CHECK((*sniffer)->TypeOf("<!DOCTYPE html><html><script>alert(1)</script></html>") == "text/html");
}

}  // namespace
}  // namespace parta::content
