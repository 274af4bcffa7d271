#include "services/directory/api/person_export_json.h"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "libs/core/status.h"

namespace parta::directory {
namespace {

using google::protobuf::Value;

// The JSON is written through protobuf's Struct and its JSON printer, the JSON the directory
// already speaks.
Value Text(absl::string_view text) {
  Value value;
  value.set_string_value(std::string(text));
  return value;
}

Value Number(double number) {
  Value value;
  value.set_number_value(number);
  return value;
}

Value Flag(bool flag) {
  Value value;
  value.set_bool_value(flag);
  return value;
}

Value Null() {
  Value value;
  value.set_null_value(google::protobuf::NULL_VALUE);
  return value;
}

Value Time(absl::Time time) {
  return Text(absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", time, absl::UTCTimeZone()));
}

Value Time(const std::optional<absl::Time>& time) { return time ? Time(*time) : Null(); }

Value Object(std::initializer_list<std::pair<const char*, Value>> fields) {
  Value value;
  auto& out = *value.mutable_struct_value()->mutable_fields();
  for (const auto& [name, field] : fields) out[name] = field;
  return value;
}

Value Array(std::vector<Value> items) {
  Value value;
  google::protobuf::ListValue& list = *value.mutable_list_value();  // `[]` when empty
  for (Value& item : items) *list.add_values() = std::move(item);
  return value;
}

template <typename T, typename F>
Value ArrayOf(const std::vector<T>& items, F&& one) {
  std::vector<Value> values;
  values.reserve(items.size());
  for (const T& item : items) values.push_back(one(item));
  return Array(std::move(values));
}

Value MembershipJson(const ExportedMembership& m) {
  return Object({
      {"school_id", Text(m.school_id)},
      {"school_name", Text(m.school_name)},
      {"roles", ArrayOf(m.roles, [](Role role) { return Text(RoleName(role)); })},
      {"join_time", Time(m.joined_at)},
      {"subjects", ArrayOf(m.subjects, [](const std::string& s) { return Text(s); })},
      {"classes", ArrayOf(m.classes,
                          [](const ExportedClass& c) {
                            return Object({{"class_id", Text(c.school_class.id)},
                                           {"name", Text(c.school_class.DisplayName())},
                                           {"academic_year", Number(c.school_class.academic_year)},
                                           {"archived", Flag(c.school_class.archived)},
                                           {"relation", Text(c.relation)},
                                           {"subject", Text(c.subject)}});
                          })},
      {"school_records", ArrayOf(m.records,
                                 [](const ManagedPerson& p) {
                                   return Object({{"display_name", Text(p.display_name)},
                                                  {"username", Text(p.username)},
                                                  {"role", Text(RoleName(p.role))},
                                                  {"regional_id", Text(p.external_id)},
                                                  {"state_register_id", Text(p.government_id)}});
                                 })},
  });
}

Value ParentLinkJson(const std::string& person_id, const ExportedParentLink& l) {
  const ParentLink& link = l.link;
  return Object({
      {"link_id", Text(link.id)},
      {"school_id", Text(link.school_id)},
      {"school_name", Text(l.school_name)},
      {"side", Text(link.parent_id == person_id ? "parent" : "child")},
      {"parent_id", Text(link.parent_id)},
      {"student_id", Text(link.student_id)},
      {"state", Text(link.state == ParentLinkState::kConfirmed ? "confirmed" : "pending")},
      {"create_time", Time(link.created_at)},
      {"confirm_time", Time(link.confirmed_at)},
      {"confirmed_by", Text(link.confirmed_by)},
      {"confirmed_by_government", Flag(link.confirmed_by_government)},
  });
}

Value ConsentJson(const ConsentRecord& c) {
  return Object({
      {"consent_id", Text(c.id)},
      {"purpose", Text(ConsentPurposeName(c.purpose))},
      {"text_version", Text(c.text_version)},
      {"given_by", Text(c.given_by)},
      {"method", Text(ConsentMethodName(c.method))},
      {"school_id", Text(c.school_id)},
      {"parent_name", Text(c.parent_name)},
      {"give_time", Time(c.given_at)},
      {"withdraw_time", Time(c.withdrawn_at)},
      {"withdrawn_by", Text(c.withdrawn_by)},
      {"withdraw_method", c.withdrawn_at ? Text(ConsentMethodName(c.withdrawn_method)) : Null()},
      {"withdraw_school_id", Text(c.withdrawn_school_id)},
      {"withdraw_parent_name", Text(c.withdrawn_parent_name)},
  });
}

Value JoinRequestJson(const JoinRequest& r) {
  return Object({
      {"request_id", Text(r.id)},
      {"school_id", Text(r.school_id)},
      {"role", Text(RoleName(r.role))},
      {"class_id", Text(r.class_id)},
      {"message", Text(r.message)},
      {"state", Text(JoinRequestStateName(r.state))},
      {"decline_reason", Text(r.decline_reason)},
      {"decided_by", Text(r.decided_by)},
      {"decide_time", Time(r.decided_at)},
      {"create_time", Time(r.created_at)},
      {"expire_time", Time(r.expires_at)},
  });
}

absl::Status AddFile(absl::string_view name, const Value& document,
                     v1::ExportPersonDataResponse& out) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  if (!google::protobuf::util::MessageToJsonString(document, &json, options).ok()) {
    return Internal("EXPORT_NOT_WRITTEN", "a file of the export could not be written");
  }
  api::v1::ExportFile& file = *out.add_files();
  file.set_path(absl::StrCat("directory/", name));
  file.set_content(std::move(json));
  return absl::OkStatus();
}

}  // namespace

absl::Status ToExportFiles(const PersonExport& exported, v1::ExportPersonDataResponse& out) {
  RETURN_IF_ERROR(AddFile("memberships.json", ArrayOf(exported.memberships, MembershipJson), out));
  RETURN_IF_ERROR(AddFile("parent_links.json",
                          ArrayOf(exported.parent_links,
                                  [&](const ExportedParentLink& link) {
                                    return ParentLinkJson(exported.person_id, link);
                                  }),
                          out));
  RETURN_IF_ERROR(AddFile("consents.json", ArrayOf(exported.consents, ConsentJson), out));
  return AddFile("join_requests.json", ArrayOf(exported.join_requests, JoinRequestJson), out);
}

}  // namespace parta::directory
