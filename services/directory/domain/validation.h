#pragma once

// Validation and normalisation of what admins type: school registration data (INN, OGRN,
// region, IANA time zone), class letters (Latin look-alikes become Cyrillic), subjects, and
// invitation codes. Errors are INVALID_ARGUMENT with a stable reason.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/text/utf8.h"
#include "services/directory/domain/model.h"

namespace parta::directory {

using text::Utf8Length;

// INN of a legal entity: 10 digits whose last is the check digit (weights 2 4 10 3 5 9 4 6 8).
bool ValidInn(absl::string_view inn);
// OGRN: 13 digits, the last equal to (first 12 as a number mod 11) mod 10.
bool ValidOgrn(absl::string_view ogrn);

// Trims and NFC-normalises every text field, then checks them all: INVALID_NAME,
// INVALID_SHORT_NAME, INVALID_REGION_CODE, INVALID_ADDRESS, INVALID_TIME_ZONE (not an IANA zone
// known to Abseil's time zone database), INVALID_INN, INVALID_OGRN, INVALID_PROFILE.
absl::Status NormalizeSchool(School& school);

// A class letter: one letter, upper case, Latin look-alikes (A B C E H K M O P T X Y) mapped to
// their Cyrillic twins, for grades 1–11; for a pre-school group (grade 0), a name of 1–64
// characters. INVALID_CLASS_LETTER otherwise.
absl::StatusOr<std::string> NormalizeClassLetter(int grade, absl::string_view letter);
// INVALID_GRADE unless 0–11; INVALID_ACADEMIC_YEAR unless 2000–2100.
absl::Status CheckGrade(int grade);
absl::Status CheckAcademicYear(int year);

// A subject name: trimmed, NFC, 1–100 characters, no control characters (INVALID_SUBJECT).
absl::StatusOr<std::string> NormalizeSubject(absl::string_view subject);

// "HH:MM" (24 h) as minutes after midnight; INVALID_TIME otherwise.
absl::StatusOr<int> ParseLocalTime(absl::string_view text);
std::string FormatLocalTime(int minutes);

// Checks a lesson and normalises its subject and room: INVALID_WEEKDAY (not 1–7),
// INVALID_TIME (end not after start), INVALID_SUBJECT, INVALID_ROOM (over 50 characters).
absl::Status NormalizeLesson(Lesson& lesson);

// A last, first or middle name: trimmed, NFC, 1–60 characters (0 when `optional`), one line
// without control characters (INVALID_NAME).
absl::StatusOr<std::string> NormalizePersonName(absl::string_view name, bool optional);

// Free text of people (a join request's message, a decline reason): trimmed, NFC, `min`–`max`
// characters, newlines allowed; `reason` otherwise.
absl::StatusOr<std::string> NormalizeNote(absl::string_view text, int min, int max,
                                          absl::string_view reason);

// A new invitation code: 26 characters of Crockford's base32 (130 random bits; upper case
// letters and digits, no I L O U), easy to type and to put in a QR code.
std::string NewInvitationCode();
// The code as stored for lookup: spaces and dashes dropped, upper case, confusable letters
// read as digits; INVALID_CODE when it is not a code.
absl::StatusOr<std::string> NormalizeInvitationCode(absl::string_view code);
// SHA-256 of the normalised code (what the database keeps).
std::string HashInvitationCode(absl::string_view normalized_code);

}  // namespace parta::directory
