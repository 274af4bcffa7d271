// Moderation: mutes, read-only mode, reports to the school's admins with the evidence kept
// until resolved, earlier versions for moderators, the moderation log.

#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::ReasonOf;
using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;
using google::protobuf::util::TimeUtil;

v1::SendMessageRequest Text(const std::string& chat_id, const std::string& body) {
  v1::SendMessageRequest request;
  request.set_chat_id(chat_id);
  request.set_request_id(NewUuidV7(absl::Now()));
  request.mutable_text()->set_body(body);
  return request;
}

TEST_CASE(
    "A reported message stays readable to moderators until resolved, even deleted - the "
    "admin removes it and mutes its author",
    "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  std::string classmate = f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                              dir::ROLE_STUDENT, w.class_id);
  v1::Chat chat = f->WaitForChat(classmate, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::Message rude = f->Send(w.student, chat.id(), "Ты дурак");

  v1::ReportMessageRequest report;
  report.set_chat_id(chat.id());
  report.set_message_id(rude.id());
  report.set_reason("Оскорбление");
  v1::Report filed;
  REQUIRE(f->Call(&Stub::ReportMessage, classmate, report, &filed).ok());
  CHECK(filed.state() == v1::REPORT_STATE_OPEN);
  CHECK(filed.school_id() == w.school_id);
  CHECK(filed.author_id() == w.student);
  CHECK(filed.evidence().text().body() == "Ты дурак");
  CHECK_REFUSED(f->Call(&Stub::ReportMessage, classmate, report, &filed), ALREADY_EXISTS,
                "ALREADY_REPORTED");
  CHECK_REFUSED(f->Call(&Stub::ReportMessage, w.parent, report, &filed), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  report.set_reason(" ");
  CHECK_REFUSED(f->Call(&Stub::ReportMessage, w.teacher, report, &filed), INVALID_ARGUMENT,
                "INVALID_REASON");

  // The author covers his tracks: edits, then deletes.
  v1::EditMessageRequest edit;
  edit.set_chat_id(chat.id());
  edit.set_message_id(rude.id());
  edit.mutable_text()->set_body("Привет");
  edit.mutable_update_mask()->add_paths("text");
  v1::Message edited;
  REQUIRE(f->Call(&Stub::EditMessage, w.student, edit, &edited).ok());
  v1::DeleteMessageRequest remove;
  remove.set_chat_id(chat.id());
  remove.set_message_id(rude.id());
  v1::Message deleted;
  REQUIRE(f->Call(&Stub::DeleteMessage, w.student, remove, &deleted).ok());

  // The class teacher (a moderator) still reads every version; a pupil reads none.
  v1::ListMessageVersionsRequest versions_request;
  versions_request.set_chat_id(chat.id());
  versions_request.set_message_id(rude.id());
  v1::ListMessageVersionsResponse versions;
  REQUIRE(f->Call(&Stub::ListMessageVersions, w.teacher, versions_request, &versions).ok());
  REQUIRE(versions.versions_size() == 2);
  CHECK(versions.versions(0).reason() == "edited");
  CHECK(versions.versions(0).content().text().body() == "Ты дурак");
  CHECK(versions.versions(1).reason() == "deleted");
  CHECK(versions.versions(1).content().text().body() == "Привет");
  CHECK_REFUSED(f->Call(&Stub::ListMessageVersions, classmate, versions_request, &versions),
                PERMISSION_DENIED, "NOT_MODERATOR");

  // The school's queue: admins only, the evidence as reported.
  v1::ListReportsRequest queue;
  queue.set_school_id(w.school_id);
  queue.set_open_only(true);
  v1::ListReportsResponse open;
  CHECK_REFUSED(f->Call(&Stub::ListReports, w.teacher, queue, &open), PERMISSION_DENIED,
                "NOT_SCHOOL_ADMIN");
  REQUIRE(f->Call(&Stub::ListReports, w.admin, queue, &open).ok());
  REQUIRE(open.reports_size() == 1);
  CHECK(open.reports(0).evidence().text().body() == "Ты дурак");

  v1::ResolveReportRequest resolve;
  resolve.set_school_id(w.school_id);
  resolve.set_report_id(filed.id());
  resolve.set_action(v1::REPORT_ACTION_REMOVE_AND_MUTE);
  v1::Report resolved;
  CHECK_REFUSED(f->Call(&Stub::ResolveReport, w.admin, resolve, &resolved), INVALID_ARGUMENT,
                "INVALID_DURATION");  // no duration with REMOVE_AND_MUTE
  resolve.mutable_mute_duration()->set_seconds(10);
  CHECK_REFUSED(f->Call(&Stub::ResolveReport, w.admin, resolve, &resolved), INVALID_ARGUMENT,
                "INVALID_DURATION");
  resolve.mutable_mute_duration()->set_seconds(-3600);
  CHECK_REFUSED(f->Call(&Stub::ResolveReport, w.admin, resolve, &resolved), INVALID_ARGUMENT,
                "INVALID_DURATION");
  resolve.mutable_mute_duration()->set_seconds(3600);
  CHECK_REFUSED(f->Call(&Stub::ResolveReport, w.teacher, resolve, &resolved), PERMISSION_DENIED,
                "NOT_SCHOOL_ADMIN");
  const absl::Time resolve_time = f->clock().Now();
  REQUIRE(f->Call(&Stub::ResolveReport, w.admin, resolve, &resolved).ok());
  CHECK(resolved.state() == v1::REPORT_STATE_REMOVED_AND_MUTED);
  CHECK(resolved.resolved_by() == w.admin);
  CHECK_FALSE(resolved.has_evidence());  // evidence lives while the report is open
  CHECK_REFUSED(f->Call(&Stub::ResolveReport, w.admin, resolve, &resolved), FAILED_PRECONDITION,
                "REPORT_RESOLVED");
  resolve.set_report_id(NewUuidV7(absl::Now()));
  CHECK_REFUSED(f->Call(&Stub::ResolveReport, w.admin, resolve, &resolved), NOT_FOUND,
                "REPORT_NOT_FOUND");
  REQUIRE(f->Call(&Stub::ListMessageVersions, w.teacher, versions_request, &versions).ok());
  CHECK(versions.versions_size() == 1);  // the deleted content is gone with the report

  // The author is muted in that chat.
  v1::Message ignored;
  CHECK_REFUSED(
      f->Call(&Stub::SendMessage, w.student, Text(chat.id(), "Я больше не буду"), &ignored),
      PERMISSION_DENIED, "MEMBER_MUTED");
  v1::Chat seen = *f->ChatOf(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK(TimeUtil::TimestampToMicroseconds(seen.mute_end_time()) ==
        absl::ToUnixMicros(resolve_time + absl::Hours(1)));
  f->clock().Advance(absl::Hours(2));
  REQUIRE(f->Call(&Stub::SendMessage, w.student, Text(chat.id(), "Извините"), &ignored).ok());

  // Every step is in the moderation log.
  absl::StatusOr<std::vector<std::string>> actions = f->pool().ReadFor<std::vector<std::string>>(
      [](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> names;
        for (const pqxx::row& row : tx.exec("SELECT action FROM moderation_log ORDER BY id")) {
          names.push_back(row[0].as<std::string>());
        }
        return names;
      });
  REQUIRE(actions.ok());
  CHECK(*actions == std::vector<std::string>{"report", "resolve_report"});

  // The school's admins read it over the API, the newest first, filtered and paged.
  v1::ListModerationLogRequest log;
  log.set_school_id(w.school_id);
  v1::ListModerationLogResponse entries;
  REQUIRE(f->Call(&Stub::ListModerationLog, w.admin, log, &entries).ok());
  REQUIRE(entries.entries_size() == 2);
  CHECK(entries.entries(0).action() == "resolve_report");
  CHECK(entries.entries(0).actor_id() == w.admin);
  CHECK(entries.entries(1).action() == "report");
  CHECK(entries.entries(1).actor_id() == classmate);
  CHECK(entries.entries(1).chat_id() == chat.id());
  CHECK(entries.entries(1).message_id() == rude.id());
  CHECK(entries.entries(1).target_user_id() == w.student);
  CHECK(entries.next_page_token().empty());
  v1::ListModerationLogRequest by_person = log;
  by_person.set_person_id(classmate);
  REQUIRE(f->Call(&Stub::ListModerationLog, w.admin, by_person, &entries).ok());
  REQUIRE(entries.entries_size() == 1);
  CHECK(entries.entries(0).action() == "report");
  v1::ListModerationLogRequest by_action = log;
  by_action.set_action("resolve_report");
  REQUIRE(f->Call(&Stub::ListModerationLog, w.admin, by_action, &entries).ok());
  REQUIRE(entries.entries_size() == 1);
  v1::ListModerationLogRequest later = log;
  *later.mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(f->clock().Now() + absl::Hours(1)));
  REQUIRE(f->Call(&Stub::ListModerationLog, w.admin, later, &entries).ok());
  CHECK(entries.entries_size() == 0);
  v1::ListModerationLogRequest paged = log;
  paged.set_page_size(1);
  REQUIRE(f->Call(&Stub::ListModerationLog, w.admin, paged, &entries).ok());
  REQUIRE(entries.entries_size() == 1);
  CHECK(entries.entries(0).action() == "resolve_report");
  paged.set_page_token(entries.next_page_token());
  REQUIRE(f->Call(&Stub::ListModerationLog, w.admin, paged, &entries).ok());
  REQUIRE(entries.entries_size() == 1);
  CHECK(entries.entries(0).action() == "report");
  CHECK(entries.next_page_token().empty());
  // Nobody else reads it; bad filters are refused.
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, w.teacher, log, &entries), PERMISSION_DENIED,
                "NOT_SCHOOL_ADMIN");
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, classmate, log, &entries), PERMISSION_DENIED,
                "NOT_SCHOOL_ADMIN");
  v1::ListModerationLogRequest bad = log;
  bad.set_action("drop_table");
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, w.admin, bad, &entries), INVALID_ARGUMENT,
                "INVALID_ACTION");
  bad = log;
  bad.set_chat_id("chat");
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, w.admin, bad, &entries), INVALID_ARGUMENT,
                "INVALID_CHAT_ID");
  bad = log;
  bad.set_chat_id(NewUuidV7(absl::Now()));
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, w.admin, bad, &entries), NOT_FOUND,
                "CHAT_NOT_FOUND");
  v1::ListModerationLogRequest in_chat = log;
  in_chat.set_chat_id(chat.id());
  REQUIRE(f->Call(&Stub::ListModerationLog, w.admin, in_chat, &entries).ok());
  CHECK(entries.entries_size() == 2);
  bad = log;
  bad.set_person_id("someone");
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, w.admin, bad, &entries), INVALID_ARGUMENT,
                "INVALID_PERSON_ID");
  bad = log;
  *bad.mutable_start_time() = TimeUtil::SecondsToTimestamp(2000);
  *bad.mutable_end_time() = TimeUtil::SecondsToTimestamp(1000);
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, w.admin, bad, &entries), INVALID_ARGUMENT,
                "INVALID_TIME_RANGE");
  bad = log;
  bad.set_page_token(entries.next_page_token().empty() ? "garbage" : "");
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, w.admin, bad, &entries), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
}

TEST_CASE("Moderators mute members for a while and switch read-only mode", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::MuteMemberRequest mute;
  mute.set_chat_id(chat.id());
  mute.set_user_id(w.student);
  mute.mutable_duration()->set_seconds(600);
  v1::ChatMember member;
  v1::Message ignored;
  CHECK_REFUSED(f->Call(&Stub::MuteMember, w.student, mute, &member), PERMISSION_DENIED,
                "NOT_MODERATOR");
  REQUIRE(f->Call(&Stub::MuteMember, w.teacher, mute, &member).ok());
  CHECK(member.user_id() == w.student);
  CHECK(TimeUtil::TimestampToMicroseconds(member.mute_end_time()) ==
        absl::ToUnixMicros(f->clock().Now() + absl::Seconds(600)));
  CHECK_REFUSED(f->Call(&Stub::SendMessage, w.student, Text(chat.id(), "А?"), &ignored),
                PERMISSION_DENIED, "MEMBER_MUTED");
  // The chat's members see the mute, with its end, among the chat's changes.
  v1::ListChatChangesRequest changes_request;
  changes_request.set_chat_id(chat.id());
  changes_request.set_after_sequence(chat.last_sequence());
  v1::ListChatChangesResponse changes;
  REQUIRE(f->Call(&Stub::ListChatChanges, w.student, changes_request, &changes).ok());
  std::vector<events::v1::MemberMuted> mutes;
  for (const events::v1::Event& change : changes.changes()) {
    if (change.chat_change().has_member_muted())
      mutes.push_back(change.chat_change().member_muted());
  }
  REQUIRE(mutes.size() == 1);
  CHECK(mutes[0].user_id() == w.student);
  CHECK(mutes[0].mute_end_time() == member.mute_end_time());
  // No duration lifts the mute.
  mute.clear_duration();
  REQUIRE(f->Call(&Stub::MuteMember, w.teacher, mute, &member).ok());
  CHECK_FALSE(member.has_mute_end_time());
  REQUIRE(f->Call(&Stub::SendMessage, w.student, Text(chat.id(), "Спасибо"), &ignored).ok());
  mute.set_user_id(w.teacher);
  mute.mutable_duration()->set_seconds(600);
  v1::Chat parents = f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  CHECK_REFUSED(f->Call(&Stub::MuteMember, w.teacher, mute, &member), FAILED_PRECONDITION,
                "CANNOT_MUTE_MODERATOR");
  mute.set_user_id(w.parent);  // not in the students' chat
  CHECK_REFUSED(f->Call(&Stub::MuteMember, w.teacher, mute, &member), NOT_FOUND,
                "MEMBER_NOT_FOUND");

  // Read-only mode: the class teacher speaks, pupils listen.
  v1::UpdateChatRequest update;
  update.mutable_chat()->set_id(chat.id());
  update.mutable_chat()->mutable_settings()->set_read_only(true);
  update.mutable_update_mask()->add_paths("settings");
  v1::Chat updated;
  CHECK_REFUSED(f->Call(&Stub::UpdateChat, w.student, update, &updated), PERMISSION_DENIED,
                "NOT_OWNER");
  REQUIRE(f->Call(&Stub::UpdateChat, w.teacher, update, &updated).ok());
  CHECK(updated.read_only());
  CHECK(updated.settings().read_only());
  CHECK_REFUSED(f->Call(&Stub::SendMessage, w.student, Text(chat.id(), "Можно?"), &ignored),
                PERMISSION_DENIED, "CHAT_READ_ONLY");
  REQUIRE(
      f->Call(&Stub::SendMessage, w.teacher, Text(chat.id(), "Тишина на уроке"), &ignored).ok());
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("title");
  update.mutable_chat()->set_title("Новое имя");
  CHECK_REFUSED(f->Call(&Stub::UpdateChat, w.teacher, update, &updated), FAILED_PRECONDITION,
                "ROSTER_TITLE");
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("members");
  CHECK_REFUSED(f->Call(&Stub::UpdateChat, w.teacher, update, &updated), INVALID_ARGUMENT,
                "INVALID_UPDATE_MASK");
}

TEST_CASE("A mute lasts a Duration of 60 seconds to 30 days, fractions kept", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::MuteMemberRequest mute;
  mute.set_chat_id(chat.id());
  mute.set_user_id(w.student);
  v1::MuteMemberResponse response;
  auto mute_for = [&](int64_t seconds, int32_t nanos) {
    mute.mutable_duration()->set_seconds(seconds);
    mute.mutable_duration()->set_nanos(nanos);
    return f->Call(&Stub::MuteMember, w.teacher, mute, &response);
  };
  CHECK_REFUSED(mute_for(-600, 0), INVALID_ARGUMENT, "INVALID_DURATION");
  CHECK_REFUSED(mute_for(59, 999'999'999), INVALID_ARGUMENT, "INVALID_DURATION");
  CHECK_REFUSED(mute_for(30 * 24 * 3600, 1), INVALID_ARGUMENT, "INVALID_DURATION");
  // Not Durations at all: nanos of another sign than the seconds, or beyond a second.
  CHECK_REFUSED(mute_for(600, -1), INVALID_ARGUMENT, "INVALID_DURATION");
  CHECK_REFUSED(mute_for(600, 1'000'000'000), INVALID_ARGUMENT, "INVALID_DURATION");
  CHECK_FALSE(f->ChatOf(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id)->has_mute_end_time());

  REQUIRE(mute_for(60, 0).ok());
  REQUIRE(mute_for(30 * 24 * 3600, 0).ok());
  REQUIRE(mute_for(600, 500'000'000).ok());
  CHECK(response.member().user_id() == w.student);
  const int64_t end = absl::ToUnixMicros(f->clock().Now() + absl::Milliseconds(600'500));
  CHECK(TimeUtil::TimestampToMicroseconds(response.member().mute_end_time()) == end);
  v1::Chat seen = *f->ChatOf(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK(TimeUtil::TimestampToMicroseconds(seen.mute_end_time()) == end);
  // A zero Duration lifts it, like none.
  REQUIRE(mute_for(0, 0).ok());
  CHECK_FALSE(response.member().has_mute_end_time());
  CHECK_FALSE(f->ChatOf(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id)->has_mute_end_time());
}

}  // namespace
}  // namespace parta::messaging
