// ExportPersonData: what the directory holds about a person, as the JSON files of his data
// export (memberships, parent links on either side, consents with their history, join requests).

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/directory/tests/directory_fixture.h"

namespace parta::directory {
namespace {

using google::protobuf::Value;
using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;

// The export's files by path, each parsed.
std::map<std::string, Value> Export(DirectoryFixture& f, const std::string& person) {
  v1::ExportPersonDataRequest request;
  request.set_person_id(person);
  v1::ExportPersonDataResponse response;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::ExportPersonData, f.ServiceToken(), request, &response));
  std::map<std::string, Value> files;
  for (const api::v1::ExportFile& file : response.files()) {
    Value parsed;
    INFO(file.content());
    REQUIRE(google::protobuf::util::JsonStringToMessage(file.content(), &parsed).ok());
    REQUIRE(parsed.has_list_value());
    files[file.path()] = parsed;
  }
  REQUIRE(files.size() == 4);
  return files;
}

const google::protobuf::ListValue& List(std::map<std::string, Value>& files,
                                        const std::string& name) {
  REQUIRE(files.count("directory/" + name) == 1);
  return files["directory/" + name].list_value();
}

const Value& Field(const Value& object, const std::string& name) {
  REQUIRE(object.has_struct_value());
  REQUIRE(object.struct_value().fields().count(name) == 1);
  return object.struct_value().fields().at(name);
}

std::string Text(const Value& object, const std::string& name) {
  return Field(object, name).string_value();
}

bool IsRfc3339Utc(const std::string& time) {
  static const std::regex kTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  return std::regex_match(time, kTime);
}

TEST_CASE("ExportPersonData gives a pupil's, a parent's and a teacher's directory data",
          "[directory][api][export]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool("Школа № 5");
  SchoolWorld other = f->BuildSchool("Школа № 7");
  v1::GiveConsentRequest give;
  give.set_person_id(w.student);
  give.set_purpose(v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
  give.set_text_version("2026-1");
  v1::GiveConsentResponse given;
  REQUIRE_RPC_OK(f->Call(&Stub::GiveConsent, w.parent, give, &given));
  v1::WithdrawConsentRequest withdraw;
  withdraw.set_person_id(w.student);
  withdraw.set_purpose(v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
  v1::WithdrawConsentResponse withdrawn;
  REQUIRE_RPC_OK(f->Call(&Stub::WithdrawConsent, w.parent, withdraw, &withdrawn));
  give.set_purpose(v1::CONSENT_PURPOSE_CHILD_DATA);
  REQUIRE_RPC_OK(f->Call(&Stub::GiveConsent, w.parent, give, &given));
  v1::CreateJoinRequestRequest join;
  join.set_school_id(other.school_id);
  join.set_role(v1::ROLE_STUDENT);
  join.set_class_id(other.class_id);
  join.set_message("Хочу перейти в вашу школу");
  v1::CreateJoinRequestResponse joined;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateJoinRequest, w.student, join, &joined));

  std::map<std::string, Value> pupil = Export(*f, w.student);
  const google::protobuf::ListValue& memberships = List(pupil, "memberships.json");
  REQUIRE(memberships.values_size() == 1);
  const Value& school = memberships.values(0);
  CHECK(Text(school, "school_id") == w.school_id);
  CHECK(Text(school, "school_name") == "Школа № 5");
  REQUIRE(Field(school, "roles").list_value().values_size() == 1);
  CHECK(Field(school, "roles").list_value().values(0).string_value() == "student");
  CHECK(IsRfc3339Utc(Text(school, "join_time")));
  const google::protobuf::ListValue& classes = Field(school, "classes").list_value();
  REQUIRE(classes.values_size() == 1);
  CHECK(Text(classes.values(0), "class_id") == w.class_id);
  CHECK(Text(classes.values(0), "name") == "5А");
  CHECK(Text(classes.values(0), "relation") == "student");
  CHECK(Field(classes.values(0), "academic_year").number_value() == 2026);

  const google::protobuf::ListValue& links = List(pupil, "parent_links.json");
  REQUIRE(links.values_size() == 1);
  CHECK(Text(links.values(0), "side") == "child");
  CHECK(Text(links.values(0), "parent_id") == w.parent);
  CHECK(Text(links.values(0), "state") == "confirmed");
  CHECK(Text(links.values(0), "school_name") == "Школа № 5");
  CHECK(IsRfc3339Utc(Text(links.values(0), "confirm_time")));

  const google::protobuf::ListValue& consents = List(pupil, "consents.json");
  REQUIRE(consents.values_size() == 2);  // the whole history, oldest first
  CHECK(Text(consents.values(0), "purpose") == "school_wide_visibility");
  CHECK(Text(consents.values(0), "given_by") == w.parent);
  CHECK(IsRfc3339Utc(Text(consents.values(0), "give_time")));
  CHECK(IsRfc3339Utc(Text(consents.values(0), "withdraw_time")));
  CHECK(Text(consents.values(0), "withdrawn_by") == w.parent);
  CHECK(Text(consents.values(1), "purpose") == "child_data");
  CHECK(Text(consents.values(1), "text_version") == "2026-1");
  CHECK(Field(consents.values(1), "withdraw_time").kind_case() == Value::kNullValue);

  const google::protobuf::ListValue& requests = List(pupil, "join_requests.json");
  REQUIRE(requests.values_size() == 1);
  CHECK(Text(requests.values(0), "school_id") == other.school_id);
  CHECK(Text(requests.values(0), "state") == "pending");
  CHECK(Text(requests.values(0), "message") == "Хочу перейти в вашу школу");

  // His father sees the link from the parent's side.
  std::map<std::string, Value> father = Export(*f, w.parent);
  const google::protobuf::ListValue& father_links = List(father, "parent_links.json");
  REQUIRE(father_links.values_size() == 1);
  CHECK(Text(father_links.values(0), "side") == "parent");
  CHECK(Text(father_links.values(0), "student_id") == w.student);
  CHECK(List(father, "consents.json").values_size() == 0);

  // The class teacher: the class he leads and his subjects.
  v1::SetTeacherSubjectsRequest subjects;
  subjects.set_school_id(w.school_id);
  subjects.set_user_id(w.teacher);
  subjects.add_subjects("Математика");
  v1::SetTeacherSubjectsResponse set;
  REQUIRE_RPC_OK(f->Call(&Stub::SetTeacherSubjects, w.admin, subjects, &set));
  std::map<std::string, Value> teacher = Export(*f, w.teacher);
  const Value& teaches = List(teacher, "memberships.json").values(0);
  REQUIRE(Field(teaches, "subjects").list_value().values_size() == 1);
  CHECK(Field(teaches, "subjects").list_value().values(0).string_value() == "Математика");
  bool leads = false;
  for (const Value& c : Field(teaches, "classes").list_value().values()) {
    leads |= Text(c, "relation") == "class_teacher" && Text(c, "name") == "5А";
  }
  CHECK(leads);
}

TEST_CASE("ExportPersonData: empty files for an unknown person, a malformed id refused",
          "[directory][api][export]") {
  PARTA_DIRECTORY_FIXTURE(f);
  std::map<std::string, Value> nobody = Export(*f, DirectoryFixture::NewUser());
  for (const char* name :
       {"memberships.json", "parent_links.json", "consents.json", "join_requests.json"}) {
    INFO(name);
    CHECK(List(nobody, name).values_size() == 0);
  }
  v1::ExportPersonDataRequest request;
  request.set_person_id("not-an-id");
  v1::ExportPersonDataResponse response;
  CHECK_RPC_ERROR(f->CallWithToken(&Stub::ExportPersonData, f->ServiceToken(), request, &response),
                  INVALID_ARGUMENT, "INVALID_PERSON_ID");
  // A person's own token is no service's.
  request.set_person_id(DirectoryFixture::NewUser());
  CHECK_FALSE(f->Call(&Stub::ExportPersonData, request.person_id(), request, &response).ok());
}

}  // namespace
}  // namespace parta::directory
