// Every route of the gateway, swept for foreign access. Two schools are built through HTTP, each
// with an admin, a teacher, an employee, two pupils, a parent, every kind of chat with a message
// in it, an invitation, a join request, a lesson and a report; the teacher's picture (in the
// school's library, attached in a chat, with its thumbnail and preview) filed in a folder of his,
// his draft article, and his article in the platform library with a pupil's report on it; the
// school's logo. Strings no one else should ever see (markers) are planted in each school's data,
// file titles and folder names included. The routes come from the running gateway's
// `GET /v1/openapi.json`, so a route added tomorrow is swept tomorrow: every operation with a
// path variable or an id in its request is called with the other school's ids, under each of
// the other school's people and under a stranger, with a body built from the operation's schema
// (so authorisation, not validation, answers). Any 2xx on a foreign object fails, unless the
// operation is listed below with the reason acting across schools is its point; so does any
// answer that shows another school's marker. An id-like field the sweep cannot fill fails the
// test: a new route cannot be skipped by accident (ids of a message several requests carry are
// told apart by the request they are in, e.g. a content report's from a chat's). The outsiders
// include a teacher removed from the school after opening a direct chat; each school's parent is
// also a pending parent in the other school, and B's parent the confirmed parent in B of a child
// who studies in A too. Inside each school, every read route (search, sync and the change log
// included) is called by every person, and must never show the marker of a chat he is not in, nor
// the text of a message edited or deleted since; every marker must be shown to someone it is for,
// so the sweep is known to look where the markers are.

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using gateway::testing::ClientResponse;
using nlohmann::json;
using testing::SystemFixture;

// ---------------------------------------------------------------------------------------------
// What the sweep knows how to fill.

// The kinds of ids a request can carry; each one is filled from a school's world.
enum class Kind {
  kSchool,
  kClass,
  kUser,  // a member of the chat of the target (or the teacher, for a school's routes)
  kStudent,
  kTeacher,
  kChat,
  kMessage,
  kInvitation,
  kParentLink,
  kJoinRequest,
  kLesson,
  kReport,
  kSession,
  kCall,
  kItem,            // the teacher's picture (content), published in the school's library
  kVersion,         // its version, also attached in the students' chat
  kUpload,          // the teacher's unfinished upload
  kFolder,          // the teacher's folder in «Мои файлы», which holds his picture
  kItemReport,      // a pupil's report on the teacher's article in the platform library
  kResource,        // a resource name: schools/{id}/members/{id}
  kIdempotencyKey,  // a client's request id: fresh for every call
  kOmit,            // known, deliberately left empty (see the reason in the table)
};

struct IdField {
  Kind kind;
  const char* why = "";  // for kOmit
};

// Every id-like field or path variable the sweep knows, by lowerCamelCase name, optionally
// qualified by the schema it is in. An id-like name that is in neither table fails the test.
const std::map<std::string, IdField>& IdFields() {
  static const auto* fields = new std::map<std::string, IdField>{
      {"schoolId", {Kind::kSchool}},
      {"classId", {Kind::kClass}},
      {"toClassId", {Kind::kClass}},
      {"userId", {Kind::kUser}},
      {"userIds", {Kind::kUser}},
      {"accountId", {Kind::kUser}},
      // Filters of a school's own logs (ListAuditLog, ListModerationLog): only that school's
      // entries are ever read, which its admins may read whole; people who left keep their
      // history there, so any id is a filter.
      {"personId",
       {Kind::kOmit, "a filter of a school's own log (audit_log_test, moderation_test)"}},
      // Whose consents (a person of the school the sweep tries) and whose data to export.
      {"path:personId", {Kind::kStudent}},
      {"parta.content.v1.RequestDataExportRequest.personId", {Kind::kStudent}},
      {"exportId",
       {Kind::kOmit,
        "one of the caller's own exports; another's answers EXPORT_NOT_FOUND "
        "(people_data_story_test)"}},
      {"memberIds", {Kind::kUser}},
      {"studentId", {Kind::kStudent}},
      {"teacherId", {Kind::kTeacher}},
      {"classTeacherId", {Kind::kTeacher}},
      {"chatId", {Kind::kChat}},
      {"messageId", {Kind::kMessage}},
      {"replyToMessageId", {Kind::kMessage}},
      {"beforeMessageId", {Kind::kMessage}},
      {"invitationId", {Kind::kInvitation}},
      {"linkId", {Kind::kParentLink}},
      {"lessonId", {Kind::kLesson}},
      {"reportId", {Kind::kReport}},
      {"sessionId", {Kind::kSession}},
      {"callId", {Kind::kCall}},
      {"toUserId", {Kind::kUser}},
      {"publisherUserId", {Kind::kUser}},
      {"subscriptionId",
       {Kind::kOmit, "names one of the caller's own media subscriptions (SubscribeMedia)"}},
      {"resource", {Kind::kResource}},
      // In a body `requestId` is the client's idempotency key; in a path, a join request.
      {"requestId", {Kind::kIdempotencyKey}},
      {"path:requestId", {Kind::kJoinRequest}},
      {"attachmentIds", {Kind::kVersion}},
      {"versionId", {Kind::kVersion}},
      {"itemId", {Kind::kItem}},
      {"parta.directory.v1.ClaimChildRequest.childId",
       {Kind::kOmit,
        "an id in the state's register of the caller's own children (ListEsiaChildren), not a "
        "school's object; the school in the path is swept"}},
      {"uploadId", {Kind::kUpload}},
      {"parta.identity.v1.CreateApiClientRequest.schoolIds",
       {Kind::kOmit,
        "the schools an operator limits a new API client to; only operators register clients "
        "(identity_api_test)"}},
      {"parta.content.v1.Item.ownerUserId", {Kind::kOmit, "output only"}},
      {"parta.messaging.v1.Chat.pupilId", {Kind::kOmit, "output only"}},
      {"parta.content.v1.Item.librarySchoolIds", {Kind::kOmit, "changes through :publishToSchool"}},
      {"parta.content.v1.Version.id", {Kind::kOmit, "output only"}},
      {"parta.content.v1.Version.itemId", {Kind::kOmit, "output only"}},
      {"parta.content.v1.Item.id", {Kind::kOmit, "assigned by the server (UpdateItem: the path)"}},
      // An item's folder moves it (UpdateItem's `folder_id`); CreateArticle and CreateLink read
      // only an item's title, body and catalogue fields and make it at the top.
      {"parta.content.v1.Item.folderId", {Kind::kFolder}},
      {"parta.content.v1.CreateArticleRequest.item.folderId",
       {Kind::kOmit, "ignored: an article is made at the top of «Мои файлы»"}},
      {"parta.content.v1.CreateLinkRequest.item.folderId",
       {Kind::kOmit, "ignored: a link is made at the top of «Мои файлы»"}},
      {"folderId", {Kind::kFolder}},
      {"parta.content.v1.CreateFolderRequest.parentId", {Kind::kFolder}},
      {"parta.content.v1.Folder.parentId", {Kind::kFolder}},
      {"path:spaceSchoolId", {Kind::kSchool}},
      {"parta.content.v1.SchoolSpace.logoItemId", {Kind::kItem}},
      {"parta.content.v1.SchoolSpace.coverItemId", {Kind::kItem}},
      // A content item report, not a chat's: only library editors resolve one, and they see every
      // report by design, so none of the callers may. It is filled with a real report all the
      // same: with a made-up id a missing editors' check would hide behind `REPORT_NOT_FOUND`.
      {"parta.content.v1.ResolveItemReportRequest.reportId", {Kind::kItemReport}},
      {"logoContentId",
       {Kind::kOmit, "a content id the directory keeps without asking content yet"}},
      {"avatarContentId", {Kind::kOmit, "a content id messaging keeps without asking content yet"}},
      // Fields of resources sent whole in a body that the server sets itself.
      {"parta.directory.v1.School.id", {Kind::kOmit, "assigned by the server"}},
      {"parta.directory.v1.Class.id", {Kind::kOmit, "assigned by the server"}},
      {"parta.directory.v1.Class.schoolId", {Kind::kOmit, "taken from the path"}},
      {"parta.directory.v1.Lesson.id", {Kind::kOmit, "assigned by the server"}},
      {"parta.directory.v1.Lesson.schoolId", {Kind::kOmit, "taken from the path"}},
      {"parta.directory.v1.StudentSettings.schoolId", {Kind::kOmit, "taken from the path"}},
      {"parta.directory.v1.StudentSettings.studentId", {Kind::kOmit, "taken from the path"}},
      {"parta.messaging.v1.Chat.schoolId", {Kind::kOmit, "output only"}},
      {"parta.messaging.v1.Chat.classId", {Kind::kOmit, "output only"}},
      {"parta.messaging.v1.Chat.peerId", {Kind::kOmit, "output only"}},
      {"parta.messaging.v1.Chat.pinnedMessageIds", {Kind::kOmit, "pins change through :pin"}},
      {"parta.messaging.v1.PollOption.voterIds", {Kind::kOmit, "output only"}},
  };
  return *fields;
}

bool IsIdLike(const std::string& name) {
  return name == "id" || name == "resource" || absl::EndsWith(name, "Id") ||
         absl::EndsWith(name, "Ids");
}

// A path variable's field path as a lowerCamelCase name: `school_id` → schoolId,
// `chat.id` → chatId.
std::string CamelName(const std::string& field_path) {
  std::vector<std::string> parts = absl::StrSplit(field_path, '.');
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string part = parts[i];
    if (i > 0 && !part.empty()) part[0] = static_cast<char>(std::toupper(part[0]));
    joined += part;
  }
  std::string camel;
  bool upper = false;
  for (char c : joined) {
    if (c == '_') {
      upper = true;
      continue;
    }
    camel += upper ? static_cast<char>(std::toupper(c)) : c;
    upper = false;
  }
  return camel;
}

// Operations not swept at all, with the reason.
const std::map<std::string, std::string>& NotSwept() {
  static const auto* operations = new std::map<std::string, std::string>{
      {"IdentityService_IssueServiceToken",
       "client credentials: the client's secret is the authorisation, no school object is named"},
      {"IdentityService_RotateApiClientSecret",
       "API clients are the platform's, not a school's: operators only (identity_api_test)"},
      {"IdentityService_RevokeApiClient",
       "API clients are the platform's, not a school's: operators only (identity_api_test)"},
      {"IdentityService_SetApiClientCertificate",
       "API clients are the platform's, not a school's: operators only (identity_api_test)"},
  };
  return *operations;
}
// Query parameters the gateway reads that the route table does not describe, with the values
// to try: each call is also made with each of them (unless the table comes to describe it).
const std::map<std::string, std::vector<std::pair<std::string, std::string>>>&
UndocumentedQueries() {
  static const auto* queries =
      new std::map<std::string, std::vector<std::pair<std::string, std::string>>>{
          // OpenDownload's pictures of a file, which must be as closed as the file itself.
          {"files_download", {{"rendition", "thumbnail"}, {"rendition", "preview"}}},
          {"files_head", {{"rendition", "thumbnail"}, {"rendition", "preview"}}},
      };
  return *queries;
}

// Services of the gateway fixture that are not part of the product.
const char kTestingServicePrefix[] = "parta.testing.v1.";

// The variants of a call: which ids come from the other school's world.
enum class Variant {
  kForeign,    // every id the other school's
  kOwnParent,  // the caller's own school or chat in the path, the other school's objects
  kOwnPath,    // the caller's own objects in the path, the other school's ids in the request
  kBare,       // the other school's path, optional ids (query, lists) left out
};
const char* VariantName(Variant variant) {
  switch (variant) {
    case Variant::kForeign:
      return "foreign ids";
    case Variant::kOwnParent:
      return "own parent, foreign objects";
    case Variant::kOwnPath:
      return "own path, foreign references";
    case Variant::kBare:
      return "foreign path, no optional ids";
  }
  return "";
}

// Operations that may answer 2xx to a caller of another school, with the reason and what the
// answer must then satisfy (nullptr: only the marker check).
struct CrossSchoolByDesign {
  std::set<Variant> variants;
  std::string why;
  // A description of what is wrong with a 2xx answer, or "" when it is fine.
  std::function<std::string(const json& answer, const std::set<std::string>& foreign_ids)> check;
};

bool ContainsAny(const std::string& text, const std::set<std::string>& needles) {
  for (const std::string& needle : needles) {
    if (!needle.empty() && absl::StrContains(text, needle)) return true;
  }
  return false;
}

const std::map<std::string, CrossSchoolByDesign>& ByDesign() {
  static const auto* operations = new std::map<std::string, CrossSchoolByDesign>{
      {"DirectoryService_CreateJoinRequest",
       {{Variant::kForeign, Variant::kBare},
        "asking to join another school is what a join request is for",
        nullptr}},
      {"DirectoryService_CheckPermission",
       {{Variant::kForeign, Variant::kOwnParent, Variant::kOwnPath, Variant::kBare},
        "a question about the caller himself: a foreign resource is answered `allowed: false`",
        [](const json& answer, const std::set<std::string>&) -> std::string {
          return answer.value("allowed", false) ? "allowed on another school's resource" : "";
        }}},
      {"DirectoryService_FilterVisibleMembers",
       {{Variant::kOwnParent, Variant::kOwnPath},
        "filters the ids it is given within the caller's own school: foreign ids are dropped",
        [](const json& answer, const std::set<std::string>& foreign_ids) -> std::string {
          return ContainsAny(answer.dump(), foreign_ids) ? "another school's people kept" : "";
        }}},
      {"PresenceService_GetPresence",
       {{Variant::kForeign, Variant::kOwnParent, Variant::kOwnPath, Variant::kBare},
        "answers for any ids; people the caller may not see come back `visible: false`",
        [](const json& answer, const std::set<std::string>&) -> std::string {
          for (const json& presence : answer.value("presences", json::array())) {
            if (presence.value("visible", false) || presence.value("online", false)) {
              return "another school's person shown";
            }
          }
          return "";
        }}},
      {"ContentService_GetSchoolSpace",
       {{Variant::kForeign},
        "a school's logo and cover (and whether its library is open) are for everyone, signed in "
        "or not: the space shows nothing else of the school",
        [](const json& answer, const std::set<std::string>& foreign_ids) -> std::string {
          static const std::set<std::string> shown = {"schoolId", "libraryPublic", "logoItemId",
                                                      "logo",     "coverItemId",   "cover"};
          for (const auto& [key, value] : answer.items()) {
            if (!shown.count(key)) return "shows " + key;
          }
          for (const char* picture : {"logo", "cover"}) {
            if (answer.contains(picture) &&
                !absl::StartsWith(answer[picture].value("mediaType", ""), "image/")) {
              return absl::StrCat("its ", picture, " is no picture");
            }
          }
          std::set<std::string> others = foreign_ids;
          others.erase(answer.value("schoolId", ""));
          return ContainsAny(answer.dump(), others) ? "shows another of the school's objects" : "";
        }}},
      {"MessagingService_Sync",
       {{Variant::kForeign, Variant::kOwnParent, Variant::kOwnPath, Variant::kBare},
        "answers with the caller's own chats; cursors of chats he is not in are ignored",
        [](const json& answer, const std::set<std::string>& foreign_ids) -> std::string {
          for (const json& chat : answer.value("chats", json::array())) {
            if (ContainsAny(chat.dump(), foreign_ids)) return "another school's chat synced";
          }
          return "";
        }}},
  };
  return *operations;
}

// Read routes beyond GET, for the check inside a school.
const std::set<std::string>& ReadsByPost() {
  static const auto* operations = new std::set<std::string>{"MessagingService_Sync"};
  return *operations;
}

// ---------------------------------------------------------------------------------------------
// The schools.

// A unique word of Cyrillic letters, found by Russian full-text search as a whole.
std::string NewMarker(const std::string& school) {
  static int counter = 0;
  static const std::vector<std::string> letters = {"б", "в", "г", "д", "ж", "з", "к", "л",
                                                   "м", "н", "п", "р", "с", "т", "ф", "х"};
  std::string marker = school == "A" ? "МаркерА" : "МаркерБ";
  int n = ++counter;
  for (int i = 0; i < 5; ++i) {
    marker += letters[n % 16];
    n /= 16;
  }
  return marker + "ыч";
}

struct Person {
  std::string key;  // admin, teacher, employee, pupil1, pupil2, parent
  std::string token;
  std::string id;
};

// A string planted in a school's data and who, inside the school, may see it.
struct Secret {
  std::string text;
  std::string what;
  bool whole_school = false;
  std::set<std::string> audience;  // person keys, when not the whole school
  bool must_be_shown = true;       // to its audience, proving the sweep can see it
};

// One coherent set of ids to fill a request with.
struct Target {
  std::string chat_kind;
  std::string chat_id;
  std::string message_id;
  std::string member_id;
  std::string marker;  // searched for
  int64_t after_sequence = 0;
};

struct World {
  std::string name;  // "A" or "B"
  std::string school_id, class_id, invitation_id, parent_link_id, join_request_id, lesson_id,
      report_id, session_id, call_id, item_id, version_id, upload_id, folder_id, item_report_id;
  std::map<std::string, Person> people;
  Person leaver;  // a teacher who opened a direct chat, then was removed from the school
  std::vector<Target> targets;
  std::vector<Secret> secrets;
  std::map<std::string, std::set<std::string>> chat_audience;  // chat id → person keys

  const Person& person(const std::string& key) const { return people.at(key); }
  std::string IdOf(const std::string& key) const {
    auto it = people.find(key);
    return it == people.end() ? "" : it->second.id;
  }

  std::string Value(Kind kind, const Target& target) const {
    switch (kind) {
      case Kind::kSchool:
        return school_id;
      case Kind::kClass:
        return class_id;
      case Kind::kUser:
        return target.member_id;
      case Kind::kStudent:
        return IdOf("pupil1");
      case Kind::kTeacher:
        return IdOf("teacher");
      case Kind::kChat:
        return target.chat_id;
      case Kind::kMessage:
        return target.message_id;
      case Kind::kInvitation:
        return invitation_id;
      case Kind::kParentLink:
        return parent_link_id;
      case Kind::kJoinRequest:
        return join_request_id;
      case Kind::kLesson:
        return lesson_id;
      case Kind::kReport:
        return report_id;
      case Kind::kSession:
        return session_id;
      case Kind::kCall:
        return call_id;
      case Kind::kItem:
        return item_id;
      case Kind::kVersion:
        return version_id;
      case Kind::kUpload:
        return upload_id;
      case Kind::kFolder:
        return folder_id;
      case Kind::kItemReport:
        return item_report_id;
      case Kind::kResource:
        return absl::StrCat("schools/", school_id, "/members/", IdOf("teacher"));
      default:
        return "";
    }
  }

  // Every id of the world, to recognise them in answers.
  std::set<std::string> Ids() const {
    std::set<std::string> ids = {school_id,       class_id,      invitation_id, parent_link_id,
                                 join_request_id, lesson_id,     report_id,     session_id,
                                 call_id,         item_id,       version_id,    upload_id,
                                 folder_id,       item_report_id};
    for (const auto& [key, person] : people) ids.insert(person.id);
    ids.insert(leaver.id);
    for (const Target& target : targets) {
      ids.insert(target.chat_id);
      ids.insert(target.message_id);
    }
    return ids;
  }
};

class WorldBuilder {
 public:
  explicit WorldBuilder(SystemFixture& system) : s_(system), g_(system.gateway()) {}

  // A tus creation request; with bytes, the whole file in it (creation-with-upload), without,
  // an upload of 16 bytes left unfinished.
  gateway::testing::ClientResponse TusCreate(const std::string& token, const std::string& name,
                                             const std::string& bytes) {
    std::map<std::string, std::string> headers = {
        {"Authorization", "Bearer " + token},
        {"Tus-Resumable", "1.0.0"},
        {"Upload-Length", std::to_string(bytes.empty() ? 16 : bytes.size())},
        {"Upload-Metadata", "filename " + absl::Base64Escape(name)}};
    if (!bytes.empty()) headers["Content-Type"] = "application/offset+octet-stream";
    return gateway::testing::HttpRequest(g_.port(), "POST", "/v1/uploads", bytes, headers);
  }

  World Build(const std::string& name, const std::string& operator_token, const std::string& inn) {
    World w;
    w.name = name;
    std::string domain = absl::StrCat("school-", name, ".ru");
    std::string school_marker = Plant(w, "the school's description", true, {});
    w.school_id =
        s_.Ok("POST", "/v1/schools",
              {{"name", "МБОУ «Средняя школа № " + std::to_string(name == "A" ? 1 : 2) + "»"},
               {"shortName", "Школа " + name},
               {"regionCode", "77"},
               {"timeZone", "Europe/Moscow"},
               {"inn", inn},
               {"ogrn", "1027700132195"},
               {"description", "Школа, где учится " + school_marker}},
              operator_token)["id"]
            .get<std::string>();
    const std::string base = "/v1/schools/" + w.school_id;
    auto add = [&](const std::string& key, const std::string& token) {
      w.people[key] = {key, token, g_.UserIdOf(token)};
    };
    add("admin", s_.Join(w.school_id, "admin@" + domain, {{"role", "ROLE_ADMIN"}}, operator_token));
    const std::string& admin = w.person("admin").token;
    w.class_id = s_.Ok("POST", base + "/classes",
                       {{"grade", 5}, {"letter", "А"}, {"academicYear", 2026}}, admin)["id"]
                     .get<std::string>();
    add("teacher", s_.Join(w.school_id, "teacher@" + domain, {{"role", "ROLE_TEACHER"}}, admin));
    const std::string& teacher = w.person("teacher").token;
    s_.Ok("PATCH", base + "/classes/" + w.class_id + "?updateMask=classTeacherId",
          {{"classTeacherId", w.person("teacher").id}}, admin);
    add("employee", s_.Join(w.school_id, "employee@" + domain, {{"role", "ROLE_EMPLOYEE"}}, admin));
    json pupil = {{"role", "ROLE_STUDENT"}, {"classId", w.class_id}};
    add("pupil1", s_.Join(w.school_id, "pupil1@" + domain, pupil, teacher));
    add("pupil2", s_.Join(w.school_id, "pupil2@" + domain, pupil, teacher));
    const std::string& pupil1 = w.person("pupil1").token;
    const std::string& pupil2 = w.person("pupil2").token;

    // The parent: invited from the child's profile, confirmed by the class teacher.
    std::string parent = g_.SignUp("parent@" + domain);
    json invite = s_.Ok("POST", base + "/students/" + w.person("pupil1").id + "/parentInvitations",
                        json::object(), pupil1);
    w.parent_link_id = s_.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}},
                             parent)["parentLink"]["id"]
                           .get<std::string>();
    s_.Ok("POST", base + "/parentLinks/" + w.parent_link_id + ":confirm", json::object(), teacher);
    add("parent", parent);

    // An invitation nobody has used: its code must never be shown again.
    json open_invitation = s_.Ok("POST", base + "/invitations", {{"role", "ROLE_TEACHER"}}, admin);
    w.invitation_id = open_invitation["invitation"]["id"].get<std::string>();
    w.secrets.push_back(
        {open_invitation["code"].get<std::string>(), "an unused invitation's code", false, {}});

    // A join request waiting for the admins and the class teacher.
    std::string applicant = g_.SignUp("applicant@" + domain);
    std::string request_marker = Plant(w, "a join request's message", false, {"admin", "teacher"});
    w.join_request_id = s_.Ok("POST", base + "/joinRequests",
                              {{"role", "ROLE_STUDENT"},
                               {"classId", w.class_id},
                               {"message", "Прошу принять, " + request_marker}},
                              applicant)["id"]
                            .get<std::string>();

    w.lesson_id = s_.Ok("POST", base + "/lessons",
                        {{"classId", w.class_id},
                         {"weekday", 1},
                         {"startTime", "08:30"},
                         {"endTime", "09:15"},
                         {"subject", "Математика"},
                         {"teacherId", w.person("teacher").id},
                         {"room", "12"}},
                        admin)["id"]
                      .get<std::string>();

    // A second session of the admin's, which the other school tries to revoke.
    w.session_id = s_.Ok("POST", "/v1/sessions:login",
                         {{"login", "admin@" + domain},
                          {"password", identity::testing::kPassword},
                          {"device", "запасной телефон"}},
                         "")["sessionId"]
                       .get<std::string>();

    // Every kind of chat, each with a message only its members may read.
    std::string students = s_.WaitForChat(pupil1, "CHAT_KIND_CLASS_STUDENTS", w.class_id)["id"];
    s_.WaitForChat(pupil2, "CHAT_KIND_CLASS_STUDENTS", w.class_id);
    s_.WaitForChat(teacher, "CHAT_KIND_CLASS_STUDENTS", w.class_id);
    std::string parents = s_.WaitForChat(parent, "CHAT_KIND_CLASS_PARENTS", w.class_id)["id"];
    s_.WaitForChat(teacher, "CHAT_KIND_CLASS_PARENTS", w.class_id);
    std::string staff = s_.WaitForChat(admin, "CHAT_KIND_STAFF", "")["id"];
    s_.WaitForChat(w.person("employee").token, "CHAT_KIND_STAFF", "");
    s_.WaitForChat(teacher, "CHAT_KIND_STAFF", "");
    std::string channel = s_.WaitForChat(admin, "CHAT_KIND_CHANNEL", "")["id"];
    for (const auto& [key, person] : w.people) {
      s_.WaitForChat(person.token, "CHAT_KIND_CHANNEL", "");
    }
    std::string group_marker = Plant(w, "a group's title", false, {"teacher", "pupil1"});
    std::string group =
        s_.Ok("POST", base + "/chats",
              {{"title", "Кружок " + group_marker}, {"memberIds", {w.person("pupil1").id}}},
              teacher)["id"];
    std::string direct =
        s_.Ok("POST", base + "/directChats", {{"userId", w.person("parent").id}}, teacher)["id"];
    // A call in the direct chat, with both of its people in it.
    w.call_id = s_.Ok("POST", "/v1/chats/" + direct + "/calls", {{"requestId", Key()}},
                      teacher)["call"]["id"];
    s_.Ok("POST", "/v1/calls/" + w.call_id + ":join", json::object(), w.person("parent").token);
    std::string leaver =
        s_.Join(w.school_id, "leaver@" + domain, {{"role", "ROLE_TEACHER"}}, admin);
    w.leaver = {"leaver", leaver, g_.UserIdOf(leaver)};
    std::string leaver_direct =
        s_.Ok("POST", base + "/directChats", {{"userId", w.person("employee").id}}, leaver)["id"];

    const std::set<std::string> everyone = {"admin",  "teacher", "employee",
                                            "pupil1", "pupil2",  "parent"};
    AddChat(w, "students", students, pupil1, "pupil2", {"pupil1", "pupil2", "teacher"});
    AddChat(w, "parents", parents, teacher, "parent", {"parent", "teacher"},
            /*acknowledgement=*/true);
    AddChat(w, "staff", staff, admin, "employee", {"admin", "teacher", "employee"});
    AddChat(w, "channel", channel, admin, "pupil2", everyone);

    // A picture of the teacher's, titled with a marker and filed in a folder of his: in the
    // school's library (the whole school's to read) and attached in the students' chat, with its
    // thumbnail and preview made; and an upload of his not finished yet.
    gateway::testing::ClientResponse uploaded = TusCreate(teacher, "Схема.png", Picture());
    REQUIRE(uploaded.status == 201);
    w.item_id = uploaded.header("parta-item-id");
    w.version_id = uploaded.header("parta-version-id");
    std::string folder_marker = Plant(w, "a folder's name", false, {"teacher"});
    w.folder_id =
        s_.Ok("POST", "/v1/me/folders", {{"requestId", Key()}, {"name", "Планы " + folder_marker}},
              teacher)["folder"]["id"]
            .get<std::string>();
    std::string title_marker = Plant(w, "a library file's title", true, {});
    s_.Ok("PATCH", "/v1/items/" + w.item_id + "?updateMask=title,folderId",
          {{"title", "Схема " + title_marker}, {"folderId", w.folder_id}}, teacher);
    // Published once its scan is clean; its pictures are made after the scan.
    REQUIRE(SystemFixture::Eventually(
        [&] {
          return s_.Call("POST", "/v1/items/" + w.item_id + ":publishToSchool",
                         {{"schoolId", w.school_id}}, teacher)
                     .status == 200;
        },
        absl::Seconds(30)));
    for (const char* rendition : {"thumbnail", "preview"}) {
      INFO("the picture's " << rendition << " was not made");
      REQUIRE(SystemFixture::Eventually(
          [&] {
            return s_.Call("GET", "/v1/files/" + w.version_id + "?rendition=" + rendition, nullptr,
                           teacher)
                       .status == 200;
          },
          absl::Seconds(30)));
    }
    s_.Ok(
        "POST", "/v1/chats/" + students + "/messages",
        {{"requestId", Key()}, {"text", {{"body", "Конспект"}}}, {"attachmentIds", {w.version_id}}},
        teacher);
    gateway::testing::ClientResponse started = TusCreate(teacher, "Черновик.txt", "");
    REQUIRE(started.status == 201);
    const std::string location = started.header("location");
    w.upload_id = location.substr(location.rfind('/') + 1);

    // The teacher's draft article, his alone; and his article in the platform library (offered,
    // published by its editor), which a pupil reported to the editors.
    std::string draft_marker = Plant(w, "a draft article's title", false, {"teacher"});
    s_.Ok("POST", "/v1/me/articles",
          {{"requestId", Key()},
           {"item", {{"title", "Черновик " + draft_marker}, {"articleHtml", "<p>Пишу</p>"}}}},
          teacher);
    std::string article = s_.Ok("POST", "/v1/me/articles",
                                {{"requestId", Key()},
                                 {"item",
                                  {{"title", "Дроби"},
                                   {"articleHtml", "<p>Дробь — часть целого.</p>"},
                                   {"subject", "Математика"},
                                   {"ageLabel", "AGE_LABEL_6"}}}},
                                teacher)["item"]["id"];
    json offered = s_.Ok("POST", "/v1/items/" + article + ":submitToPlatformLibrary",
                         json::object(), teacher)["item"];
    s_.Ok("POST", "/v1/platform-library/submissions/" + article + ":review",
          {{"decision", "REVIEW_DECISION_APPROVE"}, {"itemUpdateTime", offered["updateTime"]}},
          Editor(operator_token));
    std::string report_marker = Plant(w, "a report on a library article", false, {"pupil1"});
    w.secrets.back().must_be_shown = false;  // no read route shows a reader his reports
    w.item_report_id = s_.Ok("POST", "/v1/items/" + article + "/reports",
                             {{"category", "REPORT_CATEGORY_INACCURATE"},
                              {"comment", "Ошибка в примере " + report_marker}},
                             pupil1)["report"]["id"]
                           .get<std::string>();

    // The school's logo, a picture of the admin's, set once its scan is clean.
    gateway::testing::ClientResponse logo = TusCreate(admin, "Герб.png", Picture());
    REQUIRE(logo.status == 201);
    const std::string logo_item = logo.header("parta-item-id");
    REQUIRE(SystemFixture::Eventually(
        [&] {
          return s_.Call("PATCH", base + "/space?updateMask=logoItemId",
                         {{"logoItemId", logo_item}}, admin)
                     .status == 200;
        },
        absl::Seconds(30)));
    AddChat(w, "group", group, teacher, "pupil1", {"teacher", "pupil1"});
    AddChat(w, "direct", direct, teacher, "parent", {"teacher", "parent"});
    AddChat(w, "direct (leaver)", leaver_direct, leaver, "employee", {"employee"});
    // Whether the chat stays listed, or readable to the one left in it, is not the point here.
    w.chat_audience.erase(leaver_direct);
    w.secrets.back().must_be_shown = false;

    // A poll in the group.
    std::string poll_marker = Plant(w, "a poll's question", false, {"teacher", "pupil1"});
    json poll = s_.Ok("POST", "/v1/chats/" + group + "/messages",
                      {{"requestId", Key()},
                       {"poll",
                        {{"question", "Когда кружок? " + poll_marker},
                         {"options", {{{"text", "Во вторник"}}, {{"text", "В среду"}}}}}}},
                      teacher);
    w.targets.push_back(
        {"group (poll)", group, poll["id"].get<std::string>(), w.person("pupil1").id, poll_marker});

    // A message reported to the admins: they see it as evidence.
    std::string reported_marker =
        Plant(w, "a reported message", false, {"pupil1", "pupil2", "teacher", "admin"});
    json reported = Post(students, pupil2, "Сам дурак " + reported_marker);
    w.report_id = s_.Ok("POST",
                        "/v1/chats/" + students + "/messages/" + reported["id"].get<std::string>() +
                            ":report",
                        {{"reason", "Грубит"}}, pupil1)["id"]
                      .get<std::string>();
    w.targets.push_back({"students (reported)", students, reported["id"].get<std::string>(),
                         w.person("pupil2").id, reported_marker});

    // An edited message (its first text is for the author and the moderators' versions only)
    // and a deleted one (its text is for nobody).
    std::string edited_marker =
        Plant(w, "an edited message's first text", false, {"pupil1", "teacher"});
    json edited = Post(students, pupil1, "Списывайте у меня " + edited_marker);
    s_.Ok("PATCH", "/v1/chats/" + students + "/messages/" + edited["id"].get<std::string>(),
          {{"text", {{"body", "Учите сами"}}}, {"updateMask", "text"}}, pupil1);
    std::string deleted_marker = Plant(w, "a deleted message's text", false, {});
    json deleted = Post(students, pupil1, "Ответы к контрольной " + deleted_marker);
    s_.Ok("DELETE", "/v1/chats/" + students + "/messages/" + deleted["id"].get<std::string>(),
          nullptr, pupil1);
    for (const json* message : {&edited, &deleted}) {
      int64_t posted = std::stoll((*message)["sequence"].get<std::string>());
      for (int64_t after : {posted - 1, posted}) {
        w.targets.push_back({"students (edited or deleted, after " + std::to_string(after) + ")",
                             students, (*message)["id"].get<std::string>(), w.person("pupil2").id,
                             message == &edited ? edited_marker : deleted_marker, after});
      }
    }
    // The leaver goes: once the roster has caught up (his staff chat is gone) he is a stranger.
    s_.Ok("POST", base + "/members/" + w.leaver.id + ":removeRole", {{"role", "ROLE_TEACHER"}},
          admin);
    REQUIRE(SystemFixture::Eventually(
        [&] { return !s_.FindChat(leaver, "CHAT_KIND_STAFF", "").has_value(); }));
    WaitForMembers(w);
    return w;
  }

 private:
  std::string Plant(World& w, const std::string& what, bool whole_school,
                    std::set<std::string> audience) {
    std::string marker = NewMarker(w.name);
    w.secrets.push_back({marker, what, whole_school, std::move(audience)});
    return marker;
  }

  std::string Key() { return "sweep-setup-" + std::to_string(++keys_); }

  // A 16×16 PNG, of which thumbnails and previews are made.
  static std::string Picture() {
    std::string png;
    REQUIRE(absl::Base64Unescape(
        "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFUlEQVR42mNgWGBDGhrVMKph+GoAALrA3AEpRSb/"
        "AAAAAElFTkSuQmCC",
        &png));
    return png;
  }

  // The platform library's editor, a person of no school, named by the operator.
  const std::string& Editor(const std::string& operator_token) {
    if (editor_.empty()) {
      editor_ = g_.SignUp("editor@parta.ru");
      s_.Ok("POST", "/v1/platform-library/editors", {{"userId", g_.UserIdOf(editor_)}},
            operator_token);
    }
    return editor_;
  }

  json Post(const std::string& chat, const std::string& token, const std::string& text,
            bool acknowledgement = false) {
    json body = {{"requestId", Key()}, {"text", {{"body", text}}}};
    if (acknowledgement) body["requestAcknowledgement"] = true;
    return s_.Ok("POST", "/v1/chats/" + chat + "/messages", body, token);
  }

  void AddChat(World& w, const std::string& kind, const std::string& chat_id,
               const std::string& author, const std::string& member,
               const std::set<std::string>& audience, bool acknowledgement = false) {
    std::string marker = Plant(w, "a message in the " + kind + " chat", false, audience);
    json message = Post(chat_id, author, "Только для своих: " + marker, acknowledgement);
    w.chat_audience[chat_id] = audience;
    w.targets.push_back(
        {kind, chat_id, message["id"].get<std::string>(), w.person(member).id, marker});
  }

  // Roster chats follow the directory's events: wait until each chat has exactly its audience.
  void WaitForMembers(const World& w) {
    for (const auto& [chat_id, audience] : w.chat_audience) {
      std::set<std::string> expected;
      for (const std::string& key : audience) expected.insert(w.person(key).id);
      std::set<std::string> members;
      SystemFixture::Eventually([&] {
        members.clear();
        json answer = s_.Ok("GET", "/v1/chats/" + chat_id + "/members", nullptr,
                            w.person(*audience.begin()).token);
        for (const json& member : answer["members"]) {
          members.insert(member["userId"].get<std::string>());
        }
        return members == expected;
      });
      INFO("school " << w.name << ", chat " << chat_id);
      CHECK(members == expected);
    }
  }

  SystemFixture& s_;
  gateway::testing::GatewayFixture& g_;
  int keys_ = 0;
  std::string editor_;
};

// ---------------------------------------------------------------------------------------------
// The route table, and requests built from it.

struct Operation {
  std::string id;  // operationId
  std::string tag;
  std::string method;  // upper case
  std::string path;
  std::vector<std::string> path_params;  // names as in the path
  json query_params = json::array();
  std::optional<json> body_schema;
  // Headers a client must send (tus), with plausible values, and whether the body is raw bytes.
  std::map<std::string, std::string> headers;
};

// A plausible value of a required header of the transfer routes.
std::string HeaderValue(const std::string& name) {
  if (name == "Tus-Resumable") return "1.0.0";
  if (name == "Upload-Offset") return "0";
  if (name == "Upload-Length") return "16";
  return "1";
}

std::vector<Operation> Operations(const json& document) {
  std::vector<Operation> operations;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, spec] : item.items()) {
      Operation op;
      op.id = spec.value("operationId", "");
      op.tag = spec.contains("tags") ? spec["tags"][0].get<std::string>() : "";
      op.method = method;
      for (char& c : op.method) c = static_cast<char>(std::toupper(c));
      op.path = path;
      for (const json& parameter : spec.value("parameters", json::array())) {
        if (parameter["in"] == "path") op.path_params.push_back(parameter["name"]);
        if (parameter["in"] == "query") op.query_params.push_back(parameter);
        if (parameter["in"] == "header" && parameter.value("required", false)) {
          op.headers[parameter["name"]] = HeaderValue(parameter["name"]);
        }
      }
      // A tus body: raw bytes, as a tus client sends them.
      if (spec.contains("x-parta-raw-body")) {
        op.headers["Content-Type"] = spec["x-parta-raw-body"].value("mediaType", "");
      }
      if (spec.contains("requestBody")) {
        op.body_schema = spec["requestBody"]["content"]["application/json"]["schema"];
      }
      operations.push_back(std::move(op));
    }
  }
  return operations;
}

std::string PercentEncode(const std::string& value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A request ready to send.
struct Call {
  std::string method;
  std::string target;
  json body;                                   // null: none
  std::map<std::string, std::string> headers;  // besides the token (the transfer routes)
  bool foreign = false;                        // names at least one object of the other school
  std::string searched;                        // a marker the request itself carries
  std::string Key() const { return method + " " + target + " " + body.dump(); }
};

// Builds the calls of one operation. Ids come from `path_world` for path variables and from
// `ref_world` for everything else; which world is foreign decides `Call::foreign`.
class RequestBuilder {
 public:
  RequestBuilder(const json& document, const Operation& op) : document_(document), op_(op) {}

  // The id-like names of the operation that no table knows.
  std::vector<std::string> Unknown() {
    unknown_.clear();
    World empty;
    Target target;
    Sources sources{&empty, &target, &empty, &target, &empty, &target, true};
    Build(sources);
    return std::vector<std::string>(unknown_.begin(), unknown_.end());
  }

  // Whether some request was filled by the entry `key` of IdFields().
  static bool Used(const std::string& key) { return used_keys_.count(key) > 0; }

  // Whether the operation names any object at all.
  bool HasIds() {
    World empty;
    Target target;
    Sources sources{&empty, &target, &empty, &target, &empty, &target, true};
    ids_seen_ = 0;
    Build(sources);
    return !op_.path_params.empty() || ids_seen_ > 0;
  }
  bool HasOptionalIds() {
    World empty;
    Target target;
    Sources sources{&empty, &target, &empty, &target, &empty, &target, true};
    optional_ids_seen_ = 0;
    Build(sources);
    return optional_ids_seen_ > 0;
  }

  struct Sources {
    const World* parent_world;  // the school or chat of the path
    const Target* parent_target;
    const World* path_world;  // the other path variables
    const Target* path_target;
    const World* ref_world;  // ids in the query and the body
    const Target* ref_target;
    bool optional_ids;
    const World* foreign = nullptr;
  };

  std::vector<Call> Build(const Sources& sources) {
    sources_ = sources;
    std::vector<Call> calls;
    // One body per alternative of a top-level oneof (a message's text, poll, award, forward).
    std::vector<std::map<std::string, std::string>> choices = {{}};
    std::optional<json> body_schema;
    std::string body_name;
    if (op_.body_schema) {
      body_schema = Resolve(*op_.body_schema, &body_name);
      for (const auto& [group, members] : OneofGroups(*body_schema)) {
        std::vector<std::map<std::string, std::string>> expanded;
        for (const auto& choice : choices) {
          for (const std::string& member : members) {
            auto next = choice;
            next[group] = member;
            expanded.push_back(next);
          }
        }
        choices = expanded;
      }
    }
    for (const auto& choice : choices) {
      foreign_ = false;
      searched_.clear();
      Call call;
      call.method = op_.method;
      call.headers = op_.headers;
      std::string path = op_.path;
      std::set<std::string> bound;
      for (const std::string& name : op_.path_params) {
        std::string camel = CamelName(name);
        bound.insert(camel);
        // `item.id`, `space.school_id`: a field of the body's resource, taken from the path.
        if (size_t dot = name.rfind('.'); dot != std::string::npos) {
          bound.insert(CamelName(name.substr(dot + 1)));
        }
        std::optional<IdField> field = Lookup(body_name, camel, /*in_path=*/true);
        std::string value;
        if (field) value = PathValue(field->kind).get<std::string>();
        absl::StrReplaceAll({{"{" + name + "}", PercentEncode(value)}}, &path);
      }
      std::vector<std::string> query;
      for (const json& parameter : op_.query_params) {
        std::string name = parameter["name"];
        std::string last = name.substr(name.rfind('.') + 1);
        const json& schema = parameter["schema"];
        bool repeated = schema.value("type", "") == "array";
        std::optional<json> value;
        if (IsIdLike(last)) {
          std::optional<IdField> field = Lookup("", last, false);
          if (!field || field->kind == Kind::kOmit) continue;
          ++optional_ids_seen_;
          ++ids_seen_;
          if (!sources_.optional_ids) continue;
          value = RefValue(field->kind);
        } else {
          value = Plain(last, repeated ? schema["items"] : schema, body_name);
        }
        if (!value) continue;
        for (const json& v : value->is_array() ? *value : json::array({*value})) {
          std::string text = v.is_string() ? v.get<std::string>() : v.dump();
          query.push_back(PercentEncode(name) + "=" + PercentEncode(text));
        }
      }
      call.target = path + (query.empty() ? "" : "?" + absl::StrJoin(query, "&"));
      if (body_schema) call.body = Object(*body_schema, body_name, bound, choice, 0, body_name);
      call.foreign = foreign_;
      call.searched = searched_;
      if (auto it = UndocumentedQueries().find(op_.id); it != UndocumentedQueries().end()) {
        for (const auto& [name, value] : it->second) {
          if (Declared(name)) continue;
          Call alternative = call;
          alternative.target += absl::StrCat(query.empty() ? "?" : "&", PercentEncode(name), "=",
                                             PercentEncode(value));
          calls.push_back(std::move(alternative));
        }
      }
      calls.push_back(std::move(call));
    }
    return calls;
  }

 private:
  json Resolve(const json& schema, std::string* name) const {
    if (schema.contains("$ref")) {
      std::string ref = schema["$ref"];
      *name = ref.substr(ref.rfind('/') + 1);
      return document_["components"]["schemas"][*name];
    }
    name->clear();
    return schema;
  }

  static std::map<std::string, std::vector<std::string>> OneofGroups(const json& schema) {
    std::map<std::string, std::vector<std::string>> groups;
    std::string description = schema.value("description", "");
    for (absl::string_view group : absl::StrSplit(description, "; ", absl::SkipEmpty())) {
      std::vector<std::string> parts = absl::StrSplit(group, absl::MaxSplits(": one of ", 1));
      if (parts.size() != 2) continue;
      std::vector<std::string> members = absl::StrSplit(parts[1], ", ");
      groups[parts[0]] = std::move(members);
    }
    return groups;
  }

  bool Declared(const std::string& query_name) const {
    for (const json& parameter : op_.query_params) {
      if (parameter["name"] == query_name) return true;
    }
    return false;
  }

  // The entry of IdFields() for a field `name` of the message `schema` (for a path variable, of
  // the request when the body is the whole request), most qualified first: `trail` is where the
  // field is in the body ("<request schema>.<field>…"), for a message several requests carry.
  std::optional<IdField> Lookup(const std::string& schema, const std::string& name, bool in_path,
                                const std::string& trail = "") {
    const auto& fields = IdFields();
    std::vector<std::string> keys;
    if (in_path) keys.push_back("path:" + name);
    if (!trail.empty()) keys.push_back(trail + "." + name);
    if (!schema.empty()) keys.push_back(schema + "." + name);
    if (name != "id") keys.push_back(name);
    for (const std::string& key : keys) {
      if (auto it = fields.find(key); it != fields.end()) {
        used_keys_.insert(key);
        return it->second;
      }
    }
    unknown_.insert(absl::StrCat(op_.id, ": ", in_path ? "path variable " : "field ",
                                 schema.empty() ? "" : schema + ".", name));
    return std::nullopt;
  }

  json IdValue(Kind kind, const World& world, const Target& target) {
    if (kind == Kind::kIdempotencyKey) return "sweep-" + std::to_string(++keys_);
    if (&world == sources_.foreign) foreign_ = true;
    return world.Value(kind, target);
  }
  json PathValue(Kind kind) {
    if (kind == Kind::kSchool || kind == Kind::kChat) {
      return IdValue(kind, *sources_.parent_world, *sources_.parent_target);
    }
    return IdValue(kind, *sources_.path_world, *sources_.path_target);
  }
  json RefValue(Kind kind) { return IdValue(kind, *sources_.ref_world, *sources_.ref_target); }

  // A plausible value for a field that names no object; nullopt to leave it out.
  std::optional<json> Plain(const std::string& name, const json& schema,
                            const std::string& body_name) {
    const Target& target = *sources_.ref_target;
    if (name == "query") {
      searched_ = target.marker;
      return target.marker;
    }
    if (name == "updateMask") {
      if (absl::EndsWith(body_name, ".School")) return "description";
      if (absl::EndsWith(body_name, ".Class")) return "classTeacherId";
      if (absl::EndsWith(body_name, ".Chat")) return "title";
      if (absl::EndsWith(body_name, ".StudentSettings")) return "safeMode";
      if (absl::EndsWith(body_name, ".EditMessageRequest")) return "text";
      // Moving an item or a folder, or changing a school's pictures, names the folder or the
      // item it is given: a foreign one must be refused, not ignored.
      if (absl::EndsWith(body_name, ".content.v1.Item")) return "title,folderId";
      if (absl::EndsWith(body_name, ".content.v1.Folder")) return "name,parentId";
      if (absl::EndsWith(body_name, ".content.v1.SchoolSpace")) return "logoItemId,coverItemId";
      return std::nullopt;
    }
    if (name == "afterSequence" || name == "sequence") return std::to_string(target.after_sequence);
    if (schema.contains("enum")) {
      for (const char* preferred : {"ROLE_STUDENT", "CHAT_ROLE_MODERATOR", "REPORT_ACTION_KEEP"}) {
        for (const json& value : schema["enum"]) {
          if (value == preferred) return value;
        }
      }
      for (const json& value : schema["enum"]) {
        if (!absl::EndsWith(value.get<std::string>(), "_UNSPECIFIED")) return value;
      }
    }
    if (schema.value("format", "") == "date-time" && (name == "startTime" || name == "endTime")) {
      // The time range of an audit or moderation log: the whole life of the schools.
      return name == "startTime" ? "2020-01-01T00:00:00Z" : "2100-01-01T00:00:00Z";
    }
    static const auto* plain = new std::map<std::string, json>{
        {"body", "Проверка доступа из чужой школы"},
        {"text", "Во вторник"},
        {"question", "Когда контрольная?"},
        {"emoji", "👍"},
        {"reason", "Грубость в чате"},
        {"title", "Проверка доступа"},
        {"comment", "Молодец"},
        {"message", "Прошу принять"},
        {"grade", 5},
        {"letter", "В"},
        {"academicYear", 2026},
        {"fromYear", 2026},
        {"dryRun", true},
        {"safeMode", true},
        {"weekday", 3},
        {"startTime", "15:00"},
        {"endTime", "15:45"},
        {"subject", "Физика"},
        {"subjects", json::array({"Физика"})},
        {"room", "21"},
        {"weekOf", "2026-09-07"},
        {"ttl", "3600s"},
        {"maxUses", 1},
        {"duration", "600s"},
        {"muteDuration", "600s"},
        {"pageSize", 50},
        {"changesPerChat", 50},
        {"chatListVersion", "0"},
        {"csv",
         "Класс;Фамилия;Имя;Отчество;Дата рождения;Роль\n5А;Сидоров;Иван;;01.09.2015;"
         "ученик\n"},
        {"permission", "member.find"},
        {"name", "Проверочная школа"},
        {"shortName", "Проверочная"},
        {"regionCode", "77"},
        {"timeZone", "Europe/Moscow"},
        {"inn", "7707083893"},
        {"ogrn", "1027700132195"},
        {"description", "Проверка доступа"},
        {"displayName", "Проверка доступа"},
        {"articleHtml", "<p>Проверка доступа</p>"},
        {"linkUrl", "https://школа.рф/проверка"},
        {"resolution", "Проверка доступа"},
        {"itemUpdateTime", "2026-09-07T08:00:00Z"},
    };
    if (auto it = plain->find(name); it != plain->end()) return it->second;
    if (name == "options") {
      if (schema.value("type", "") == "integer") return 0;
      return std::nullopt;  // filled as objects by Object()
    }
    return std::nullopt;
  }

  // An object of `schema`, filled with what the sweep knows; null when nothing was filled.
  // `trail`: where it is in the body, from the body's schema.
  json Object(const json& schema, const std::string& name, const std::set<std::string>& skip,
              const std::map<std::string, std::string>& choice, int depth,
              const std::string& trail) {
    json object = json::object();
    std::map<std::string, std::vector<std::string>> groups = OneofGroups(schema);
    std::set<std::string> left_out;
    for (const auto& [group, members] : groups) {
      std::string chosen = choice.count(group) ? choice.at(group) : members.front();
      for (const std::string& member : members) {
        if (member != chosen) left_out.insert(member);
      }
    }
    const json properties = schema.value("properties", json::object());
    for (const auto& [field, property] : properties.items()) {
      if (skip.count(field) || left_out.count(field)) continue;
      bool repeated = property.value("type", "") == "array";
      const json& element = repeated ? property["items"] : property;
      if (IsIdLike(field)) {
        std::optional<IdField> known = Lookup(name, field, false, trail);
        if (!known || known->kind == Kind::kOmit) continue;
        if (known->kind != Kind::kIdempotencyKey) ++ids_seen_;
        if (repeated) ++optional_ids_seen_;
        if (repeated && !sources_.optional_ids) continue;
        json value = RefValue(known->kind);
        object[field] = repeated ? json::array({value}) : value;
        continue;
      }
      if (element.contains("$ref")) {
        if (depth >= 3) continue;
        std::string inner_name;
        json inner = Resolve(element, &inner_name);
        int ids_before = ids_seen_;
        json filled = Object(inner, inner_name, {}, {}, depth + 1, trail + "." + field);
        if (filled.is_null()) continue;
        if (repeated && ids_seen_ > ids_before) {
          ++optional_ids_seen_;  // a list of references may be empty
          if (!sources_.optional_ids) continue;
        }
        if (!repeated) {
          object[field] = filled;
        } else if (field == "options") {
          json second = filled;
          if (second.contains("text")) second["text"] = "В среду";
          object[field] = json::array({filled, second});
        } else {
          object[field] = json::array({filled});
        }
        continue;
      }
      std::optional<json> value = Plain(field, element, name);
      if (!value) continue;
      object[field] = repeated && !value->is_array() ? json::array({*value}) : *value;
    }
    return object.empty() && depth > 0 ? json(nullptr) : object;
  }

  const json& document_;
  const Operation& op_;
  Sources sources_{};
  std::set<std::string> unknown_;
  bool foreign_ = false;
  std::string searched_;
  int ids_seen_ = 0;
  int optional_ids_seen_ = 0;
  static inline int keys_ = 0;
  static inline std::set<std::string> used_keys_;  // of IdFields(), by any builder
};

// ---------------------------------------------------------------------------------------------
// The sweep.

struct Tally {
  int operations = 0;
  int swept = 0;
  int calls = 0;
  int foreign_calls = 0;
  std::map<int, int> foreign_by_status;
  std::map<std::string, int> bad_requests;  // "op (variant) status reason" → count
  int reference_refusals = 0;
  int answered_by_design = 0;
  std::vector<std::string> findings;
  std::set<std::string> swept_ids;
};

std::string Excerpt(const std::string& body, const std::string& around = "") {
  size_t at = around.empty() ? std::string::npos : body.find(around);
  size_t from = at == std::string::npos || at < 120 ? 0 : at - 120;
  std::string excerpt = body.substr(from, 300);
  return excerpt + (body.size() > from + 300 ? "…" : "");
}

// Which of `secrets` the answer shows. An error may repeat what was asked (a searched marker);
// an answer may not.
std::optional<Secret> Leaked(const ClientResponse& answer, const std::vector<Secret>& secrets,
                             const std::string& searched) {
  const bool error = answer.status < 200 || answer.status >= 300;
  for (const Secret& secret : secrets) {
    if (error && secret.text == searched) continue;
    if (absl::StrContains(answer.body, secret.text)) return secret;
  }
  return std::nullopt;
}

// Reasons of a 400 that refuse another school's object named in the body: the reference is
// not found where the request puts it.
bool RefusesReference(const std::string& reason) {
  static const auto* reasons = new std::set<std::string>{"NOT_IN_SCHOOL", "NOT_A_TEACHER",
                                                         "INVALID_MENTION", "PEER_NOT_IN_CALL"};
  return reasons->count(reason) || absl::EndsWith(reason, "_NOT_FOUND");
}

TEST_CASE(
    "No route of the gateway lets anyone act on or read another school's objects, nor "
    "shows a private chat to those outside it",
    "[e2e][security]") {
  // Calls stay live through the sweep without heartbeats.
  auto system = SystemFixture::Start(
      [](signaling::SignalingConfig& config) { config.calls.heartbeat_interval = absl::Hours(1); });
  if (!system) return;
  SystemFixture& s = *system;
  absl::Time started = absl::Now();

  ClientResponse served = s.gateway().Get("/v1/openapi.json");
  REQUIRE(served.status == 200);
  const json document = served.json();
  std::vector<Operation> operations = Operations(document);
  Tally tally;
  tally.operations = static_cast<int>(operations.size());

  // Every id-like name of every operation must be known before anything is built.
  {
    std::vector<std::string> unknown;
    for (const Operation& op : operations) {
      if (op.path == "/v1/events" || absl::StartsWith(op.tag, kTestingServicePrefix)) continue;
      if (NotSwept().count(op.id)) continue;
      RequestBuilder builder(document, op);
      for (const std::string& name : builder.Unknown()) unknown.push_back(name);
    }
    INFO(
        "id-like fields the sweep does not know how to fill; map each to a value of a "
        "school's world in IdFields():\n"
        << absl::StrJoin(unknown, "\n"));
    REQUIRE(unknown.empty());
    // A qualified entry no request matches any more (a message or field renamed) would let its
    // field fall back to its bare name, and be filled with the wrong kind of id unnoticed.
    std::vector<std::string> stale;
    for (const auto& [key, field] : IdFields()) {
      if ((absl::StrContains(key, ".") || absl::StartsWith(key, "path:")) &&
          !RequestBuilder::Used(key)) {
        stale.push_back(key);
      }
    }
    INFO("qualified entries of IdFields() that no request has:\n" << absl::StrJoin(stale, "\n"));
    REQUIRE(stale.empty());
  }

  std::string op_token = s.SignUpOperator("operator@parta.ru");
  WorldBuilder builder(s);
  std::map<std::string, World> worlds;
  worlds.emplace("A", builder.Build("A", op_token, "7707083893"));
  worlds.emplace("B", builder.Build("B", op_token, "7736050003"));
  const std::string stranger = s.gateway().SignUp("stranger@mail.ru");
  // Each school's parent also redeems a parent invitation of the other school's second pupil:
  // a pending parent there, with no access until someone confirms him.
  for (const auto& [name, world] : worlds) {
    const World& other = worlds.at(name == "A" ? "B" : "A");
    const Person& pupil = other.person("pupil2");
    json invite = s.Ok(
        "POST", "/v1/schools/" + other.school_id + "/students/" + pupil.id + "/parentInvitations",
        json::object(), pupil.token);
    json link = s.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}},
                     world.person("parent").token);
    REQUIRE(link["parentLink"]["state"] == "PARENT_LINK_STATE_PENDING");
  }
  // A child in both schools (a pupil of A's 5А who also studies in B's 5А), whose parent in B is
  // B's parent, confirmed in B only: A's chats of the child stay closed to him.
  {
    const World& a = worlds.at("A");
    const World& b = worlds.at("B");
    json pupil = {{"role", "ROLE_STUDENT"}, {"classId", a.class_id}};
    std::string child = s.Join(a.school_id, "both@mail.ru", pupil, a.person("teacher").token);
    pupil["classId"] = b.class_id;
    json invite = s.Ok("POST", "/v1/schools/" + b.school_id + "/invitations", pupil,
                       b.person("teacher").token);
    s.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, child);
    invite = s.Ok("POST",
                  "/v1/schools/" + b.school_id + "/students/" + s.gateway().UserIdOf(child) +
                      "/parentInvitations",
                  json::object(), child);
    json link = s.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}},
                     b.person("parent").token);
    s.Ok("POST",
         "/v1/schools/" + b.school_id + "/parentLinks/" +
             link["parentLink"]["id"].get<std::string>() + ":confirm",
         json::object(), b.person("teacher").token);
  }
  // Messaging applies a school's events in order: once a class made after the changes above has
  // its chat, they have been applied too.
  for (const auto& [name, world] : worlds) {
    std::string marker_class = s.Ok("POST", "/v1/schools/" + world.school_id + "/classes",
                                    {{"grade", 5},
                                     {"letter", "Б"},
                                     {"academicYear", 2026},
                                     {"classTeacherId", world.person("teacher").id}},
                                    world.person("admin").token)["id"];
    s.WaitForChat(world.person("teacher").token, "CHAT_KIND_CLASS_STUDENTS", marker_class);
  }
  absl::Duration setup = absl::Now() - started;

  auto send = [&](const Call& call, const std::string& token) {
    ++tally.calls;
    if (call.headers.empty()) return s.Call(call.method, call.target, call.body, token);
    std::map<std::string, std::string> headers = call.headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return gateway::testing::HttpRequest(s.gateway().port(), call.method, call.target,
                                         call.body.is_null() ? "" : call.body.dump(), headers);
  };

  // Reads first, then changes, deletions last: a hole found early does not spoil the rest.
  std::stable_sort(operations.begin(), operations.end(),
                   [](const Operation& a, const Operation& b) {
                     auto rank = [](const Operation& op) {
                       return op.method == "GET" ? 0 : op.method == "DELETE" ? 2 : 1;
                     };
                     return rank(a) < rank(b);
                   });

  // Across schools: the people of `home` (and a stranger) against the world of `other`.
  for (const auto& [home_name, home] : worlds) {
    const World& other = worlds.at(home_name == "A" ? "B" : "A");
    std::set<std::string> other_ids = other.Ids();
    std::vector<std::pair<std::string, const Person*>> callers;
    for (const auto& [key, person] : home.people)
      callers.emplace_back(home_name + "." + key, &person);
    Person stranger_person{"stranger", stranger, ""};
    Person leaver{"leaver", other.leaver.token, ""};  // no school of his own any more
    callers.emplace_back(other.name + ".leaver (removed)", &leaver);
    // The school's channel: a chat every member of the home school is in.
    const Target& my_channel =
        *std::find_if(home.targets.begin(), home.targets.end(),
                      [](const Target& t) { return t.chat_kind == "channel"; });
    callers.emplace_back("stranger", &stranger_person);

    for (const Operation& op : operations) {
      if (op.path == "/v1/events" || absl::StartsWith(op.tag, kTestingServicePrefix)) continue;
      if (NotSwept().count(op.id)) continue;
      RequestBuilder request(document, op);
      const bool has_ids = request.HasIds();
      if (!has_ids && op.method != "GET" && !ReadsByPost().count(op.id)) continue;
      const bool has_optional_ids = request.HasOptionalIds();
      tally.swept_ids.insert(op.id);
      auto by_design = ByDesign().find(op.id);

      for (const auto& [caller_name, caller] : callers) {
        const bool is_stranger = caller->id.empty();
        std::set<std::string> seen;
        for (size_t t = 0; t < other.targets.size(); ++t) {
          const Target& theirs = other.targets[t];
          if (theirs.after_sequence != 0) continue;
          const Target& mine = home.targets[std::min(t, home.targets.size() - 1)];
          std::vector<std::pair<Variant, RequestBuilder::Sources>> variants = {
              {Variant::kForeign,
               {&other, &theirs, &other, &theirs, &other, &theirs, true, &other}}};
          if (!is_stranger) {
            variants.push_back(
                {Variant::kOwnParent,
                 {&home, &my_channel, &other, &theirs, &other, &theirs, true, &other}});
            variants.push_back(
                {Variant::kOwnPath, {&home, &mine, &home, &mine, &other, &theirs, true, &other}});
          }
          if (has_optional_ids) {
            variants.push_back(
                {Variant::kBare,
                 {&other, &theirs, &other, &theirs, &other, &theirs, false, &other}});
          }
          for (const auto& [variant, sources] : variants) {
            for (const Call& call : request.Build(sources)) {
              if (variant != Variant::kForeign && !call.foreign) continue;
              std::string key = call.Key();
              // Idempotency keys differ on every call; they do not make a call new.
              if (call.body.is_object() && call.body.contains("requestId")) {
                json without = call.body;
                without.erase("requestId");
                key = call.method + " " + call.target + " " + without.dump();
              }
              if (!seen.insert(key).second) continue;
              ClientResponse answer = send(call, caller->token);
              std::string where =
                  absl::StrCat(op.id, " (", VariantName(variant), ") ", call.method, " ",
                               call.target, call.body.is_null() ? "" : " " + call.body.dump(),
                               " as ", caller_name, " → ", answer.status);
              if (std::optional<Secret> leak = Leaked(answer, other.secrets, call.searched)) {
                tally.findings.push_back(absl::StrCat("LEAK ", where, ": school ", other.name,
                                                      "'s ", leak->what, ": ",
                                                      Excerpt(answer.body, leak->text)));
              }
              if (!call.foreign) continue;
              ++tally.foreign_calls;
              ++tally.foreign_by_status[answer.status];
              bool allowed =
                  by_design != ByDesign().end() && by_design->second.variants.count(variant);
              if (allowed) ++tally.answered_by_design;
              if (answer.status >= 200 && answer.status < 300) {
                if (!allowed) {
                  tally.findings.push_back(
                      absl::StrCat("ACCEPTED ", where, ": ", Excerpt(answer.body)));
                } else if (by_design->second.check) {
                  std::string wrong = by_design->second.check(answer.json(), other_ids);
                  if (!wrong.empty()) {
                    tally.findings.push_back(
                        absl::StrCat("ANSWERED ", where, ": ", wrong, ": ", Excerpt(answer.body)));
                  }
                }
              } else if (answer.status == 400) {
                json error = answer.json();
                std::string status = error["error"].value("status", "");
                std::string reason = answer.reason();
                if (RefusesReference(reason)) {
                  ++tally.reference_refusals;
                  continue;
                }
                ++tally.bad_requests[absl::StrCat(op.id, " (", VariantName(variant), ") ", status,
                                                  " ", reason)];
                if (status == "INVALID_ARGUMENT") {
                  tally.findings.push_back(
                      absl::StrCat("INVALID ", where,
                                   ": the sweep's request was not valid, so validation "
                                   "answered instead of authorisation: ",
                                   Excerpt(answer.body)));
                }
              } else if (answer.status >= 500 || answer.status == 0) {
                tally.findings.push_back(
                    absl::StrCat("FAILED ", where, ": ", Excerpt(answer.body)));
              }
            }
          }
        }
      }
    }
  }

  // Inside each school: nobody reads a chat he is not in, nor what was edited or deleted.
  int inside_calls = 0;
  std::set<std::string> seen;  // school + marker: shown to someone it is for
  for (const auto& [name, world] : worlds) {
    for (const auto& [key, person] : world.people) {
      std::vector<Secret> hidden;
      for (const Secret& secret : world.secrets) {
        if (!secret.whole_school && !secret.audience.count(key)) hidden.push_back(secret);
      }
      for (const Operation& op : operations) {
        if (op.path == "/v1/events" || absl::StartsWith(op.tag, kTestingServicePrefix)) continue;
        if (op.method != "GET" && !ReadsByPost().count(op.id)) continue;
        RequestBuilder request(document, op);
        const bool has_optional_ids = request.HasOptionalIds();
        std::set<std::string> sent;
        for (const Target& target : world.targets) {
          std::vector<RequestBuilder::Sources> variants = {
              {&world, &target, &world, &target, &world, &target, true, nullptr}};
          if (has_optional_ids) {
            variants.push_back({&world, &target, &world, &target, &world, &target, false, nullptr});
          }
          for (const RequestBuilder::Sources& sources : variants) {
            for (const Call& call : request.Build(sources)) {
              if (!sent.insert(call.Key()).second) continue;
              ++inside_calls;
              ClientResponse answer = send(call, person.token);
              if (answer.status == 200) {
                for (const Secret& secret : world.secrets) {
                  if (absl::StrContains(answer.body, secret.text)) {
                    seen.insert(name + secret.text);
                  }
                }
              }
              if (std::optional<Secret> leak = Leaked(answer, hidden, call.searched)) {
                tally.findings.push_back(absl::StrCat(
                    "LEAK ", op.id, " ", call.method, " ", call.target,
                    call.body.is_null() ? "" : " " + call.body.dump(), " as ", name, ".", key,
                    " → ", answer.status, ": school ", name, "'s ", leak->what,
                    " shown to someone it is not for: ", Excerpt(answer.body, leak->text)));
              }
            }
          }
        }
      }
    }
  }

  absl::Duration took = absl::Now() - started;
  std::cout << "Foreign-access sweep: " << tally.operations << " operations in the route table, "
            << tally.swept_ids.size() << " swept, " << tally.calls << " calls ("
            << tally.foreign_calls << " naming another school's objects, " << inside_calls
            << " reads inside a school), setup " << absl::FormatDuration(setup) << ", total "
            << absl::FormatDuration(took) << "\n  foreign calls by status:";
  for (const auto& [status, count] : tally.foreign_by_status) {
    std::cout << " " << status << "×" << count;
  }
  std::cout << " (of the 400s, " << tally.reference_refusals
            << " refused another school's object named in the body; " << tally.answered_by_design
            << " calls to routes that answer across schools)";
  std::cout << "\n  answered 400 (state or validation before authorisation):\n";
  for (const auto& [what, count] : tally.bad_requests) {
    std::cout << "    " << what << " ×" << count << "\n";
  }
  std::cout << "  not swept: testing services of the fixture, /v1/events (the WebSocket)";
  for (const auto& [id, why] : NotSwept()) std::cout << ", " << id << " (" << why << ")";
  std::cout << "\n  cross-school by design:";
  for (const auto& [id, design] : ByDesign()) std::cout << "\n    " << id << ": " << design.why;
  std::cout << "\n  findings: " << tally.findings.size() << "\n";
  for (const std::string& finding : tally.findings) std::cout << "  " << finding << "\n";
  std::cout.flush();

  int refusals =
      tally.foreign_by_status[403] + tally.foreign_by_status[404] + tally.reference_refusals;
  CHECK(tally.swept_ids.size() >= 60);
  CHECK(refusals >= 1000);
  // Authorisation, not validation, answered.
  CHECK(refusals * 10 >= (tally.foreign_calls - tally.answered_by_design) * 9);
  // The markers are where the sweep looks: each is shown to the people it is for.
  for (const auto& [name, world] : worlds) {
    for (const Secret& secret : world.secrets) {
      if (!secret.must_be_shown || (!secret.whole_school && secret.audience.empty())) continue;
      INFO("school " << name << "'s " << secret.what << " was never shown, even to its audience");
      CHECK(seen.count(name + secret.text));
    }
  }
  INFO(absl::StrJoin(tally.findings.begin(),
                     tally.findings.begin() + std::min<size_t>(tally.findings.size(), 30), "\n"));
  CHECK(tally.findings.empty());
}

}  // namespace
}  // namespace parta
