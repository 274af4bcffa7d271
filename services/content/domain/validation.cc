#include "services/content/domain/validation.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/text/utf8.h"

namespace parta::content {
namespace {

// Characters that reorder text: they make "photo<U+202E>gnp.exe" look like "photoexe.png".
bool IsBidiControl(UChar32 c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

// RFC 9110 token characters.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

bool IsToken(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// A name people give a file or a folder; `reason` and `what` ("the file name") for its errors.
absl::Status CheckName(absl::string_view name, absl::string_view reason, absl::string_view what) {
  const auto invalid = [&](absl::string_view why) {
    return InvalidArgument(reason, absl::StrCat(what, " ", why));
  };
  const int length = text::Utf8Length(name);
  if (length < 0) return invalid("is not valid UTF-8");
  if (length == 0) return invalid("is empty");
  if (length > kMaxFileNameLength) {
    return invalid(absl::StrCat("is longer than ", kMaxFileNameLength, " characters"));
  }
  if (name == "." || name == "..") return invalid("is a path, not a name");
  bool blank = true;
  int32_t i = 0;
  const auto size = static_cast<int32_t>(name.size());
  while (i < size) {
    UChar32 c;
    U8_NEXT(name.data(), i, size, c);
    if (c == '/' || c == '\\') return invalid("contains a path separator");
    if (u_iscntrl(c) || IsBidiControl(c) || c == 0xFEFF) {
      return invalid("contains a control character");
    }
    if (!u_isUWhiteSpace(c)) blank = false;
  }
  if (blank) return invalid("is blank");
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckFileName(absl::string_view name) {
  return CheckName(name, "INVALID_FILE_NAME", "the file name");
}

absl::Status CheckFolderName(absl::string_view name) {
  return CheckName(name, "INVALID_FOLDER_NAME", "the folder name");
}

std::string FolderNameKey(absl::string_view name) {
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_SUCCESS(status)) {
    icu::UnicodeString normalized = nfc->normalize(text, status);
    if (U_SUCCESS(status)) text = normalized;
  }
  text.foldCase();
  std::string key;
  text.toUTF8String(key);
  return key;
}

absl::Status CheckDeclaredMediaType(absl::string_view media_type) {
  if (media_type.empty()) return absl::OkStatus();
  const size_t slash = media_type.find('/');
  if (slash == absl::string_view::npos || media_type.size() > 255 ||
      !IsToken(media_type.substr(0, slash)) || !IsToken(media_type.substr(slash + 1))) {
    return InvalidArgument("INVALID_MEDIA_TYPE", "a media type is \"type/subtype\"");
  }
  return absl::OkStatus();
}

absl::Status CheckId(absl::string_view id, absl::string_view reason) {
  if (!IsUuid(id)) return InvalidArgument(reason, "the id is not a UUID");
  return absl::OkStatus();
}

}  // namespace parta::content
