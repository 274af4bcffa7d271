#include "services/content/storage/document_text.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <memory>
#include <mutex>

#include "absl/strings/match.h"
#include "libs/text/utf8.h"

namespace parta::content {
namespace {

// The longest prefix of `text` of at most `limit` bytes that is whole UTF-8; nullopt when even
// that is not UTF-8.
std::optional<std::string> Utf8Prefix(absl::string_view text, size_t limit) {
  text = text.substr(0, limit);
  // NUL is valid UTF-8 but no text (and Postgres refuses it in a text column).
  if (text.find('\0') != absl::string_view::npos) return std::nullopt;
  for (size_t cut = 0; cut < 4 && cut <= text.size(); ++cut) {
    const absl::string_view prefix = text.substr(0, text.size() - cut);
    if (text::Utf8Length(prefix) >= 0) return std::string(prefix);
  }
  return std::nullopt;
}

std::optional<std::string> PdfText(absl::string_view bytes) {
  // Damaged PDFs are the uploader's business, not the log's.
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
  });
  std::unique_ptr<poppler::document> document(poppler::document::load_from_raw_data(
      bytes.data(), static_cast<int>(bytes.size())));
  if (!document || document->is_locked()) return std::nullopt;
  std::string text;
  for (int i = 0; i < document->pages() && text.size() < kMaxSearchTextBytes; ++i) {
    std::unique_ptr<poppler::page> page(document->create_page(i));
    if (!page) continue;
    const poppler::byte_array utf8 = page->text().to_utf8();
    text.append(utf8.begin(), utf8.end());
    text.push_back('\n');
  }
  return Utf8Prefix(text, kMaxSearchTextBytes);
}

}  // namespace

bool NeedsWholeFile(absl::string_view media_type, int64_t size) {
  return media_type == "application/pdf" && size <= kMaxPdfBytesForText;
}

std::optional<std::string> ExtractText(absl::string_view media_type, absl::string_view bytes) {
  if (absl::StartsWith(media_type, "text/")) return Utf8Prefix(bytes, kMaxSearchTextBytes);
  if (media_type == "application/pdf") return PdfText(bytes);
  return std::nullopt;
}

}  // namespace parta::content
