// The API's shape, checked over the descriptor set of every Parta proto (build/proto/parta.binpb)
// so that a new RPC, message or service cannot forget it:
//   - every RPC declares who may call it ((parta.api.v1.access), not UNSPECIFIED), and internal
//     RPCs the scope a service token needs ((parta.api.v1.scope), "<package's service>.what.verb");
//   - every RPC has a request message of its own named <Rpc>Request, and a response message of
//     its own named <Rpc>Response, or parta.api.v1.HttpBody for a file the gateway sends as it is;
//   - List… RPCs page: `int32 page_size` and `string page_token` in, `string next_page_token` out
//     (or, for a log read by sequence, `after_sequence`/`before_sequence` in and `has_more` out);
//   - Create… RPCs take a `string request_id`, so a retry after a lost answer is answered with
//     the first result; Update… and Edit… RPCs take a `google.protobuf.FieldMask update_mask`;
//   - instants are google.protobuf.Timestamp fields named …_time (or `time`); lengths of time are
//     google.protobuf.Duration (no integer …_seconds, …_ms, …_minutes, …_hours, …_days);
//   - every enum's zero value is …_UNSPECIFIED;
//   - every service, RPC, message, field, enum and enum value carries a comment.
// What predates a rule is listed below by name with the rule it breaks; the test also fails when
// a listed exception no longer applies, so the list only shrinks. parta.testing.v1 is left out:
// its services are test doubles shaped after the cases the transcoder must handle.

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "parta/api/v1/options.pb.h"

#ifndef PARTA_DESCRIPTOR_SET
#error "the build defines PARTA_DESCRIPTOR_SET"
#endif

namespace parta {
namespace {

// "directory" for a method of parta.directory.v1: the first word of its scopes.
std::string PackageService(const google::protobuf::MethodDescriptor& method) {
  absl::string_view package = method.service()->file()->package();
  absl::ConsumePrefix(&package, "parta.");
  return std::string(package.substr(0, package.find('.')));
}

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;
using google::protobuf::SourceLocation;

// "<rule> <full name>" of everything that predates a rule. Fix one, then delete its line.
const std::set<std::string>& KnownExceptions() {
  static const std::set<std::string> known = {
#include "tests/lint/proto_lint_exceptions.inc"
  };
  return known;
}

class Pool {
 public:
  Pool() {
    std::ifstream file(PARTA_DESCRIPTOR_SET, std::ios::binary);
    REQUIRE(file.good());
    REQUIRE(set_.ParseFromIstream(&file));
    for (const google::protobuf::FileDescriptorProto& proto : set_.file()) {
      REQUIRE(pool_.BuildFile(proto) != nullptr);
    }
  }
  // Parta's own files, test doubles left out.
  std::vector<const FileDescriptor*> Files() const {
    std::vector<const FileDescriptor*> files;
    for (const google::protobuf::FileDescriptorProto& proto : set_.file()) {
      const FileDescriptor* file = pool_.FindFileByName(proto.name());
      if (absl::StartsWith(file->package(), "parta.") &&
          !absl::StartsWith(file->package(), "parta.testing.")) {
        files.push_back(file);
      }
    }
    return files;
  }

 private:
  google::protobuf::FileDescriptorSet set_;
  google::protobuf::DescriptorPool pool_;
};

class Lint {
 public:
  void Check(bool ok, const std::string& rule, const std::string& name) {
    const std::string finding = absl::StrCat(rule, " ", name);
    if (KnownExceptions().contains(finding)) {
      if (ok) stale_.insert(finding);
      seen_.insert(finding);
      return;
    }
    if (!ok) findings_.insert(finding);
  }
  const std::set<std::string>& findings() const { return findings_; }
  const std::set<std::string>& stale() const { return stale_; }
  const std::set<std::string>& seen() const { return seen_; }

 private:
  std::set<std::string> findings_;
  std::set<std::string> stale_;
  std::set<std::string> seen_;
};

template <typename T>
bool Commented(const T& element) {
  SourceLocation location;
  if (!element.GetSourceLocation(&location)) return false;
  return !absl::StripAsciiWhitespace(location.leading_comments).empty() ||
         !absl::StripAsciiWhitespace(location.trailing_comments).empty();
}

const FieldDescriptor* FieldOf(const Descriptor& message, const std::string& name,
                               FieldDescriptor::Type type) {
  const FieldDescriptor* field = message.FindFieldByName(name);
  return field != nullptr && field->type() == type && !field->is_repeated() ? field : nullptr;
}

bool IsMessage(const FieldDescriptor& field, const char* full_name) {
  return field.type() == FieldDescriptor::TYPE_MESSAGE &&
         field.message_type()->full_name() == full_name;
}

void CheckEnum(const EnumDescriptor& type, Lint& lint) {
  lint.Check(Commented(type), "comment", type.full_name());
  lint.Check(absl::EndsWith(type.value(0)->name(), "_UNSPECIFIED") && type.value(0)->number() == 0,
             "enum-zero-unspecified", type.full_name());
  for (int i = 0; i < type.value_count(); ++i) {
    lint.Check(Commented(*type.value(i)), "comment", type.value(i)->full_name());
  }
}

void CheckMessage(const Descriptor& message, Lint& lint) {
  if (message.options().map_entry()) return;
  lint.Check(Commented(message), "comment", message.full_name());
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    lint.Check(Commented(field), "comment", field.full_name());
    const bool timestamp = IsMessage(field, "google.protobuf.Timestamp");
    lint.Check(!timestamp || field.name() == "time" || absl::EndsWith(field.name(), "_time"),
               "timestamp-named-time", field.full_name());
    bool integer_length = false;
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
        field.cpp_type() == FieldDescriptor::CPPTYPE_INT64 ||
        field.cpp_type() == FieldDescriptor::CPPTYPE_UINT32 ||
        field.cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
      for (const char* unit : {"_seconds", "_ms", "_millis", "_minutes", "_hours", "_days"}) {
        integer_length = integer_length || absl::EndsWith(field.name(), unit);
      }
    }
    lint.Check(!integer_length, "length-is-duration", field.full_name());
  }
  for (int i = 0; i < message.nested_type_count(); ++i) CheckMessage(*message.nested_type(i), lint);
  for (int i = 0; i < message.enum_type_count(); ++i) CheckEnum(*message.enum_type(i), lint);
}

void CheckService(const ServiceDescriptor& service,
                  std::map<const Descriptor*, std::vector<std::string>>& requests,
                  std::map<const Descriptor*, std::vector<std::string>>& responses, Lint& lint) {
  lint.Check(Commented(service), "comment", service.full_name());
  lint.Check(absl::EndsWith(service.name(), "Service"), "service-named-service",
             service.full_name());
  for (int i = 0; i < service.method_count(); ++i) {
    const MethodDescriptor& method = *service.method(i);
    const std::string& name = method.full_name();
    lint.Check(Commented(method), "comment", name);
    lint.Check(method.options().GetExtension(api::v1::access) != api::v1::ACCESS_UNSPECIFIED,
               "access-declared", name);
    // Internal RPCs name the scope a service token needs (service.what.verb); others need none.
    const std::string& scope = method.options().GetExtension(api::v1::scope);
    const bool internal =
        method.options().GetExtension(api::v1::access) == api::v1::ACCESS_INTERNAL;
    lint.Check(internal ? absl::StartsWith(scope, absl::StrCat(PackageService(method), "."))
                        : scope.empty(),
               "internal-scoped", name);
    requests[method.input_type()].push_back(name);
    lint.Check(method.input_type()->name() == method.name() + "Request", "request-named-rpc",
               name);
    if (method.output_type()->full_name() != "parta.api.v1.HttpBody") {
      responses[method.output_type()].push_back(name);
      lint.Check(method.output_type()->name() == method.name() + "Response",
                 "response-named-rpc", name);
    }
    const Descriptor& in = *method.input_type();
    const Descriptor& out = *method.output_type();
    if (absl::StartsWith(method.name(), "List")) {
      const bool sized = FieldOf(in, "page_size", FieldDescriptor::TYPE_INT32) != nullptr;
      const bool by_token =
          FieldOf(in, "page_token", FieldDescriptor::TYPE_STRING) != nullptr &&
          FieldOf(out, "next_page_token", FieldDescriptor::TYPE_STRING) != nullptr;
      // A log read by sequence (history, a chat's changes, events) pages by its own cursor.
      const bool by_sequence =
          (FieldOf(in, "after_sequence", FieldDescriptor::TYPE_INT64) != nullptr ||
           FieldOf(in, "before_sequence", FieldDescriptor::TYPE_INT64) != nullptr) &&
          FieldOf(out, "has_more", FieldDescriptor::TYPE_BOOL) != nullptr;
      lint.Check(sized && (by_token || by_sequence), "list-pages", name);
    }
    if (absl::StartsWith(method.name(), "Create")) {
      lint.Check(FieldOf(in, "request_id", FieldDescriptor::TYPE_STRING) != nullptr,
                 "create-retryable", name);
    }
    if (absl::StartsWith(method.name(), "Update") || absl::StartsWith(method.name(), "Edit")) {
      const FieldDescriptor* mask = in.FindFieldByName("update_mask");
      lint.Check(mask != nullptr && IsMessage(*mask, "google.protobuf.FieldMask"),
                 "update-has-mask", name);
    }
  }
}

TEST_CASE("every Parta API follows the shared rules of shape", "[lint][unit]") {
  Pool pool;
  Lint lint;
  std::map<const Descriptor*, std::vector<std::string>> requests;
  std::map<const Descriptor*, std::vector<std::string>> responses;
  int methods = 0;
  for (const FileDescriptor* file : pool.Files()) {
    for (int i = 0; i < file->service_count(); ++i) {
      CheckService(*file->service(i), requests, responses, lint);
      methods += file->service(i)->method_count();
    }
    for (int i = 0; i < file->message_type_count(); ++i) {
      CheckMessage(*file->message_type(i), lint);
    }
    for (int i = 0; i < file->enum_type_count(); ++i) CheckEnum(*file->enum_type(i), lint);
  }
  for (const auto& [type, users] : requests) {
    for (const std::string& method : users) {
      lint.Check(users.size() == 1, "request-own", method);
    }
  }
  for (const auto& [type, users] : responses) {
    for (const std::string& method : users) {
      lint.Check(users.size() == 1, "response-own", method);
    }
  }
  CHECK(methods > 50);  // the descriptor set was read, not an empty one
  for (const std::string& finding : lint.findings()) {
    FAIL_CHECK("the API breaks a rule: " << finding);
  }
  for (const std::string& stale : lint.stale()) {
    FAIL_CHECK("a listed exception no longer applies, delete it: " << stale);
  }
  for (const std::string& listed : KnownExceptions()) {
    if (!lint.seen().contains(listed)) {
      FAIL_CHECK("a listed exception names nothing that exists, delete it: " << listed);
    }
  }
}

}  // namespace
}  // namespace parta
