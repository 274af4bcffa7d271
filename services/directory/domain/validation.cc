#include "services/directory/domain/validation.h"

#include <openssl/sha.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::directory {
namespace {

// NFC and trimmed; nullopt when not valid UTF-8.
std::optional<std::string> Clean(absl::string_view text) {
  if (Utf8Length(text) < 0) return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return std::nullopt;
  icu::UnicodeString normalized = nfc->normalize(
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size())), status);
  if (U_FAILURE(status)) return std::nullopt;
  normalized.trim();
  std::string out;
  normalized.toUTF8String(out);
  return out;
}

bool HasControl(absl::string_view utf8, bool allow_newlines) {
  icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), utf8.size()));
  for (int32_t i = 0; i < text.length();) {
    UChar32 c = text.char32At(i);
    if (u_iscntrl(c) && !(allow_newlines && (c == '\n' || c == '\t'))) return true;
    i += U16_LENGTH(c);
  }
  return false;
}

// Cleans `field` in place; `reason` when its length is outside [min, max] or it has control
// characters.
absl::Status CleanField(std::string& field, int min, int max, bool multiline,
                        absl::string_view reason, absl::string_view what) {
  std::optional<std::string> clean = Clean(field);
  if (!clean) return InvalidArgument(reason, std::string(what) + " is not valid UTF-8");
  int length = Utf8Length(*clean);
  if (length < min || length > max || HasControl(*clean, multiline)) {
    return InvalidArgument(reason, std::string(what) + " must have " + std::to_string(min) +
                                       " to " + std::to_string(max) +
                                       " characters and no control characters");
  }
  field = *std::move(clean);
  return absl::OkStatus();
}

bool AllDigits(absl::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool ValidInn(absl::string_view inn) {
  if (inn.size() != 10 || !AllDigits(inn)) return false;
  static constexpr int kWeights[] = {2, 4, 10, 3, 5, 9, 4, 6, 8};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (inn[i] - '0') * kWeights[i];
  return (sum % 11) % 10 == inn[9] - '0';
}

bool ValidOgrn(absl::string_view ogrn) {
  if (ogrn.size() != 13 || !AllDigits(ogrn)) return false;
  int64_t number = 0;
  for (int i = 0; i < 12; ++i) number = number * 10 + (ogrn[i] - '0');
  return (number % 11) % 10 == ogrn[12] - '0';
}

absl::Status NormalizeSchool(School& school) {
  RETURN_IF_ERROR(CleanField(school.name, 1, 300, false, "INVALID_NAME", "name"));
  RETURN_IF_ERROR(CleanField(school.short_name, 1, 64, false, "INVALID_SHORT_NAME", "short_name"));
  RETURN_IF_ERROR(CleanField(school.address, 0, 500, false, "INVALID_ADDRESS", "address"));
  RETURN_IF_ERROR(CleanField(school.description, 0, 4000, true, "INVALID_PROFILE", "description"));
  RETURN_IF_ERROR(CleanField(school.contacts, 0, 1000, true, "INVALID_PROFILE", "contacts"));
  RETURN_IF_ERROR(
      CleanField(school.logo_content_id, 0, 100, false, "INVALID_PROFILE", "logo_content_id"));
  school.region_code = std::string(absl::StripAsciiWhitespace(school.region_code));
  if (school.region_code.size() != 2 || !AllDigits(school.region_code) ||
      school.region_code == "00") {
    return InvalidArgument("INVALID_REGION_CODE", "region_code must be two digits, 01–99");
  }
  absl::TimeZone zone;
  if (school.time_zone.empty() || !absl::LoadTimeZone(school.time_zone, &zone)) {
    return InvalidArgument("INVALID_TIME_ZONE",
                           "time_zone must be an IANA time zone such as Europe/Moscow");
  }
  school.inn = std::string(absl::StripAsciiWhitespace(school.inn));
  if (!ValidInn(school.inn)) {
    return InvalidArgument("INVALID_INN", "inn must be 10 digits with a valid check digit");
  }
  school.ogrn = std::string(absl::StripAsciiWhitespace(school.ogrn));
  if (!ValidOgrn(school.ogrn)) {
    return InvalidArgument("INVALID_OGRN", "ogrn must be 13 digits with a valid check digit");
  }
  return absl::OkStatus();
}

absl::Status CheckGrade(int grade) {
  if (grade < 0 || grade > 11) {
    return InvalidArgument("INVALID_GRADE", "grade must be 1–11, or 0 for a pre-school group");
  }
  return absl::OkStatus();
}

absl::Status CheckAcademicYear(int year) {
  if (year < 2000 || year > 2100) {
    return InvalidArgument("INVALID_ACADEMIC_YEAR",
                           "academic_year must be the first year of the academic year, 2000–2100");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeClassLetter(int grade, absl::string_view letter) {
  std::string clean(letter);
  if (grade == 0) {
    RETURN_IF_ERROR(
        CleanField(clean, 1, 64, false, "INVALID_CLASS_LETTER", "a pre-school group's name"));
    return clean;
  }
  std::optional<std::string> cleaned = Clean(letter);
  if (!cleaned) return InvalidArgument("INVALID_CLASS_LETTER", "letter is not valid UTF-8");
  icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(cleaned->data(), cleaned->size()));
  text.toUpper(icu::Locale("ru"));
  if (text.countChar32() != 1) {
    return InvalidArgument("INVALID_CLASS_LETTER", "letter must be one letter, such as А");
  }
  UChar32 c = text.char32At(0);
  // Latin capitals that look like Cyrillic ones: "5A" typed on a Latin keyboard is "5А".
  static constexpr struct {
    UChar32 latin;
    UChar32 cyrillic;
  } kLookAlikes[] = {{'A', 0x0410}, {'B', 0x0412}, {'C', 0x0421}, {'E', 0x0415},
                     {'H', 0x041D}, {'K', 0x041A}, {'M', 0x041C}, {'O', 0x041E},
                     {'P', 0x0420}, {'T', 0x0422}, {'X', 0x0425}, {'Y', 0x0423}};
  for (const auto& pair : kLookAlikes) {
    if (c == pair.latin) c = pair.cyrillic;
  }
  if (ublock_getCode(c) != UBLOCK_CYRILLIC || !u_isupper(c)) {
    return InvalidArgument("INVALID_CLASS_LETTER", "letter must be a Cyrillic letter, such as А");
  }
  std::string out;
  icu::UnicodeString(c).toUTF8String(out);
  return out;
}

absl::StatusOr<std::string> NormalizeSubject(absl::string_view subject) {
  std::string clean(subject);
  RETURN_IF_ERROR(CleanField(clean, 1, 100, false, "INVALID_SUBJECT", "a subject"));
  return clean;
}

absl::StatusOr<int> ParseLocalTime(absl::string_view text) {
  auto invalid = [] { return InvalidArgument("INVALID_TIME", "times are HH:MM, 00:00–23:59"); };
  if (text.size() != 5 || text[2] != ':' || !AllDigits(text.substr(0, 2)) ||
      !AllDigits(text.substr(3, 2))) {
    return invalid();
  }
  int hours = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return invalid();
  return hours * 60 + minutes;
}

std::string FormatLocalTime(int minutes) {
  return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
}

absl::Status NormalizeLesson(Lesson& lesson) {
  if (lesson.weekday < 1 || lesson.weekday > 7) {
    return InvalidArgument("INVALID_WEEKDAY", "weekday must be 1 (Monday) to 7 (Sunday)");
  }
  if (lesson.end_minute <= lesson.start_minute) {
    return InvalidArgument("INVALID_TIME", "a lesson ends after it starts");
  }
  ASSIGN_OR_RETURN(lesson.subject, NormalizeSubject(lesson.subject));
  RETURN_IF_ERROR(CleanField(lesson.room, 0, 50, false, "INVALID_ROOM", "room"));
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizePersonName(absl::string_view name, bool optional) {
  std::string clean(name);
  RETURN_IF_ERROR(CleanField(clean, optional ? 0 : 1, 60, false, "INVALID_NAME", "a name"));
  return clean;
}

absl::StatusOr<std::string> NormalizeNote(absl::string_view text, int min, int max,
                                          absl::string_view reason) {
  std::string clean(text);
  RETURN_IF_ERROR(CleanField(clean, min, max, true, reason, "the text"));
  return clean;
}

std::string NewInvitationCode() { return RandomCode(26); }

absl::StatusOr<std::string> NormalizeInvitationCode(absl::string_view code) {
  std::optional<std::string> normalized = NormalizeCode(code, 26);
  if (!normalized) {
    return InvalidArgument("INVALID_CODE", "an invitation code has 26 letters and digits");
  }
  return *std::move(normalized);
}

std::string HashInvitationCode(absl::string_view normalized_code) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(normalized_code.data()), normalized_code.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace parta::directory
