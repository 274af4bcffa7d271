// Consents to the processing of personal data (152-FZ art. 9; declared in directory.h): the
// texts operators publish, consents given and withdrawn by the person or, for a pupil, by his
// parent or his school's admin from a signed paper form, and what a withdrawal stops.

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/page_token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/text/utf8.h"
#include "services/directory/domain/directory.h"
#include "services/directory/domain/use_case_support.h"

namespace parta::directory {
namespace {

constexpr absl::string_view kMissingConsentsList = "missing_consents";
constexpr int kMaxVersionLength = 32;
constexpr int kMaxTextLength = 100'000;
constexpr int kMaxParentNameLength = 200;

absl::Status PersonNotFound() {
  return NotFound("PERSON_NOT_FOUND", "no such person in any school");
}

absl::Status NotAllowed() {
  return Deny("NOT_ALLOWED_FOR_PERSON", "the caller may not do this for this person");
}

absl::Status NoConsent() {
  return FailedPrecondition("NO_CONSENT", "no consent to this purpose holds: nothing to withdraw");
}

ConsentStatus StatusOf(const std::optional<ConsentRecord>& latest,
                       absl::string_view current_version) {
  if (!latest) return ConsentStatus::kMissing;
  if (latest->withdrawn_at) return ConsentStatus::kWithdrawn;
  return latest->text_version == current_version ? ConsentStatus::kGiven : ConsentStatus::kOutdated;
}

absl::StatusOr<std::string> CurrentVersion(DirectoryTx& tx, ConsentPurpose purpose) {
  ASSIGN_OR_RETURN(std::vector<ConsentText> texts, tx.CurrentConsentTexts());
  for (const ConsentText& text : texts) {
    if (text.purpose == purpose) return text.version;
  }
  return Internal("NO_CONSENT_TEXT", "a consent purpose has no text");
}

absl::StatusOr<ConsentState> StateOf(DirectoryTx& tx, const std::string& person_id,
                                     ConsentPurpose purpose, absl::string_view current_version) {
  ASSIGN_OR_RETURN(std::optional<ConsentRecord> latest, tx.LatestConsent(person_id, purpose));
  const ConsentStatus status = StatusOf(latest, current_version);
  return ConsentState{
      .person_id = person_id, .purpose = purpose, .status = status, .record = std::move(latest)};
}

// How the caller stands to a person, over every school of the person.
struct Standing {
  std::vector<Membership> schools;  // the person's
  bool pupil = false;               // a student in one of them
  bool self = false;
  bool parent = false;  // a parent one of the pupil's schools confirmed
  bool admin = false;   // an admin of one of his schools
  bool is_operator = false;

  // Who may read his consents (and hear why a change is refused).
  bool MayRead() const { return self || parent || admin || is_operator; }
};

absl::StatusOr<Standing> StandingOf(DirectoryTx& tx, const Caller& caller,
                                    const std::string& person_id) {
  Standing standing{.self = caller.user_id == person_id, .is_operator = caller.is_operator};
  ASSIGN_OR_RETURN(standing.schools, AllMemberships(tx, person_id));
  for (const Membership& school : standing.schools) {
    const bool pupil_here =
        std::find(school.roles.begin(), school.roles.end(), Role::kStudent) != school.roles.end();
    standing.pupil = standing.pupil || pupil_here;
    if (standing.self) continue;
    ASSIGN_OR_RETURN(PersonFacts facts, tx.LoadFacts(school.school_id, caller.user_id));
    standing.admin = standing.admin || facts.Has(Role::kAdmin);
    if (pupil_here && std::find(facts.children.begin(), facts.children.end(), person_id) !=
                          facts.children.end()) {
      standing.parent = true;
    }
  }
  if (standing.schools.empty() && !standing.self) return PersonNotFound();
  if (!standing.MayRead()) return NotAllowed();
  return standing;
}

// May the caller give or withdraw the person's consent this way? SERVICE: the person himself,
// online. A pupil's purposes: a parent one of his schools confirmed, online; or an admin of one
// of his schools recording a signed form there (PAPER).
absl::Status CheckGiver(DirectoryTx& tx, const Caller& caller, const Standing& standing,
                        const ConsentChange& change) {
  if (IsPupilPurpose(change.purpose) != standing.pupil) {
    return FailedPrecondition("PURPOSE_NOT_FOR_PERSON",
                              standing.pupil ? "a pupil's data is consented to by his parent"
                                             : "this purpose is for pupils only");
  }
  if (change.purpose == ConsentPurpose::kService) {
    if (!standing.self || change.method != ConsentMethod::kOnline) return NotAllowed();
    return absl::OkStatus();
  }
  if (change.method == ConsentMethod::kOnline) {
    return standing.parent ? absl::OkStatus() : NotAllowed();
  }
  ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, change.school_id));
  if (!facts.Has(Role::kAdmin)) return NotAllowed();
  ASSIGN_OR_RETURN(PersonFacts pupil, tx.LoadFacts(change.school_id, change.person_id));
  if (!pupil.Has(Role::kStudent)) return NotAllowed();
  return absl::OkStatus();
}

// A paper form names the parent who signed it; the name is kept as signed (trimmed).
absl::StatusOr<ConsentChange> Checked(ConsentChange change) {
  if (change.method == ConsentMethod::kOnline) {
    change.school_id.clear();
    change.parent_name.clear();
    return change;
  }
  change.parent_name = std::string(absl::StripAsciiWhitespace(change.parent_name));
  const int length = text::Utf8Length(change.parent_name);
  if (length <= 0 || length > kMaxParentNameLength) {
    return InvalidArgument("PARENT_NAME_REQUIRED",
                           "a paper form names the parent who signed it (1–200 characters)");
  }
  change.school_id = absl::AsciiStrToLower(change.school_id);
  return change;
}

// Each school of the person logs what was done to his consent.
absl::Status AuditEverySchool(DirectoryTx& tx, const Caller& caller, const Standing& standing,
                              absl::string_view verb, const ConsentChange& change, absl::Time now) {
  const std::string action = absl::StrCat(verb, ":", ConsentPurposeName(change.purpose));
  for (const Membership& school : standing.schools) {
    RETURN_IF_ERROR(tx.Audit(school.school_id, caller, action, change.person_id, now));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RequireGivenConsent(DirectoryTx& tx, const std::string& person_id,
                                 ConsentPurpose purpose) {
  RETURN_IF_ERROR(tx.LockConsentsOf(person_id));
  ASSIGN_OR_RETURN(std::string current, CurrentVersion(tx, purpose));
  ASSIGN_OR_RETURN(std::optional<ConsentRecord> latest, tx.LatestConsent(person_id, purpose));
  if (StatusOf(latest, current) != ConsentStatus::kGiven) {
    return FailedPrecondition(
        "CONSENT_REQUIRED",
        absl::StrCat("this needs a consent to the current text of ", ConsentPurposeName(purpose)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ConsentText>> Directory::ListConsentTexts() {
  std::vector<ConsentText> texts;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(texts, tx.CurrentConsentTexts());
    return absl::OkStatus();
  }));
  return texts;
}

absl::StatusOr<ConsentText> Directory::PublishConsentText(const Caller& caller, ConsentText text) {
  if (!caller.is_operator) {
    return Deny("OPERATOR_ONLY", "only a platform operator publishes consent texts");
  }
  bool printable = !text.version.empty() && text.version.size() <= kMaxVersionLength;
  for (char c : text.version) printable = printable && absl::ascii_isprint(c);
  if (!printable) {
    return InvalidArgument("INVALID_VERSION", "a version is 1–32 printable ASCII characters");
  }
  const int length = text::Utf8Length(text.text);
  if (length <= 0 || length > kMaxTextLength) {
    return InvalidArgument("INVALID_TEXT", "a text is 1–100,000 characters of UTF-8");
  }
  text.published_by = caller.user_id;
  text.published_at = clock_.Now();
  RETURN_IF_ERROR(
      store_.Transact([&](DirectoryTx& tx) -> absl::Status { return tx.InsertConsentText(text); }));
  log::Info("consent text published")
      .With("purpose", ConsentPurposeName(text.purpose))
      .With("version", text.version);
  return text;
}

absl::StatusOr<ConsentState> Directory::GiveConsent(const Caller& caller,
                                                    const ConsentChange& request) {
  ASSIGN_OR_RETURN(const ConsentChange change, Checked(request));
  if (!IsUuid(change.person_id)) return PersonNotFound();
  const absl::Time now = clock_.Now();
  ConsentState result;
  RETURN_IF_ERROR(store_.Transact([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Standing standing, StandingOf(tx, caller, change.person_id));
    RETURN_IF_ERROR(CheckGiver(tx, caller, standing, change));
    RETURN_IF_ERROR(tx.LockConsentsOf(change.person_id));
    ASSIGN_OR_RETURN(std::string current, CurrentVersion(tx, change.purpose));
    if (change.text_version != current) {
      return FailedPrecondition("TEXT_VERSION_OUTDATED",
                                absl::StrCat("the current text is version ", current));
    }
    ASSIGN_OR_RETURN(result, StateOf(tx, change.person_id, change.purpose, current));
    if (result.status == ConsentStatus::kGiven) return absl::OkStatus();  // holds already
    ConsentRecord record{.id = ids_.NewId(),
                         .person_id = change.person_id,
                         .purpose = change.purpose,
                         .text_version = current,
                         .given_by = caller.user_id,
                         .method = change.method,
                         .school_id = change.school_id,
                         .parent_name = change.parent_name,
                         .given_at = now};
    RETURN_IF_ERROR(tx.InsertConsent(record));
    RETURN_IF_ERROR(AuditEverySchool(tx, caller, standing, "consent_given", change, now));
    result = ConsentState{.person_id = change.person_id,
                          .purpose = change.purpose,
                          .status = ConsentStatus::kGiven,
                          .record = std::move(record)};
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<ConsentState> Directory::WithdrawConsent(const Caller& caller,
                                                        const ConsentChange& request) {
  ASSIGN_OR_RETURN(const ConsentChange change, Checked(request));
  if (!IsUuid(change.person_id)) return PersonNotFound();
  // Without SERVICE or CHILD_DATA Parta may not keep the person's data: identity closes his
  // account first (as for RequestChildErasure), so the record says what was done, and a failed
  // call leaves the consent standing for a retry.
  if (IsRequiredPurpose(change.purpose)) {
    RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(Standing standing, StandingOf(tx, caller, change.person_id));
      RETURN_IF_ERROR(CheckGiver(tx, caller, standing, change));
      ASSIGN_OR_RETURN(std::optional<ConsentRecord> latest,
                       tx.LatestConsent(change.person_id, change.purpose));
      if (!latest || latest->withdrawn_at) return NoConsent();
      return absl::OkStatus();
    }));
    RETURN_IF_ERROR(
        accounts_
            .RequestErasure(change.person_id, caller.user_id,
                            absl::StrCat("consent withdrawn: ", ConsentPurposeName(change.purpose)),
                            caller.client_address)
            .status());
  }
  const absl::Time now = clock_.Now();
  ConsentState result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(Standing standing, StandingOf(tx, caller, change.person_id));
    RETURN_IF_ERROR(CheckGiver(tx, caller, standing, change));
    RETURN_IF_ERROR(tx.LockConsentsOf(change.person_id));
    ASSIGN_OR_RETURN(std::optional<ConsentRecord> latest,
                     tx.LatestConsent(change.person_id, change.purpose));
    if (!latest || latest->withdrawn_at) return NoConsent();
    ConsentRecord record = *std::move(latest);
    record.withdrawn_at = now;
    record.withdrawn_by = caller.user_id;
    record.withdrawn_method = change.method;
    record.withdrawn_school_id = change.school_id;
    record.withdrawn_parent_name = change.parent_name;
    RETURN_IF_ERROR(tx.SaveConsentWithdrawal(record));
    if (change.purpose == ConsentPurpose::kSchoolWideVisibility) {
      // Only his classmates, teachers, parents and the staff find him again, in every school.
      for (const Membership& school : standing.schools) {
        ASSIGN_OR_RETURN(PersonFacts pupil, tx.LoadFacts(school.school_id, change.person_id));
        if (!pupil.Has(Role::kStudent) || pupil.safe_mode) continue;
        RETURN_IF_ERROR(SaveSettings(
            tx, recorder,
            {.school_id = school.school_id, .student_id = change.person_id, .safe_mode = true}));
      }
    }
    RETURN_IF_ERROR(AuditEverySchool(tx, caller, standing, "consent_withdrawn", change, now));
    result = ConsentState{.person_id = change.person_id,
                          .purpose = change.purpose,
                          .status = ConsentStatus::kWithdrawn,
                          .record = std::move(record)};
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::vector<ConsentState>> Directory::ListConsents(const Caller& caller,
                                                                  const std::string& id) {
  const std::string person_id = absl::AsciiStrToLower(id);
  if (!IsUuid(person_id)) return PersonNotFound();
  std::vector<ConsentState> states;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Standing standing, StandingOf(tx, caller, person_id));
    ASSIGN_OR_RETURN(std::vector<ConsentText> texts, tx.CurrentConsentTexts());
    for (const ConsentText& text : texts) {
      if (IsPupilPurpose(text.purpose) != standing.pupil) continue;
      ASSIGN_OR_RETURN(ConsentState state, StateOf(tx, person_id, text.purpose, text.version));
      states.push_back(std::move(state));
    }
    return absl::OkStatus();
  }));
  return states;
}

absl::StatusOr<std::vector<MissingConsent>> Directory::ListMissingConsents(
    const Caller& caller, const std::string& school_id, Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size, 200));
  // A token serves the same school and caller only.
  const std::string scope = absl::StrCat(school_id, "/", caller.user_id);
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(page.token, kMissingConsentsList, scope, 2));
  std::optional<NameKey> after;
  if (!key.empty()) {
    if (!IsUuid(key[1])) return InvalidPageToken();
    after = NameKey{.name = key[0], .id = key[1]};
  }
  std::vector<MissingConsent> missing;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    if (!caller.is_operator) {
      RETURN_IF_ERROR(RequireAdmin(facts));
    }
    ASSIGN_OR_RETURN(missing, tx.ListMissingConsents(school_id, after, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(missing.size()) > size) {
    missing.resize(size);
    page.token = EncodePageToken(kMissingConsentsList, scope,
                                 {missing.back().display_name, missing.back().person_id});
  }
  return missing;
}

}  // namespace parta::directory
