// A person's data as identity hands it to his export, against a real identity service: his
// profile, open sessions and what operators did to his account, nothing secret, and the
// refusals.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::identity {
namespace {

using nlohmann::json;
using testing::IdentityFixture;

std::string UniqueEmail(const std::string& name) {
  return absl::StrCat(name, "-", absl::AsciiStrToLower(RandomCode(8)), "@school.test");
}

::grpc::Status Export(IdentityFixture& f, const std::string& token, const std::string& account_id,
                      std::map<std::string, json>* files = nullptr) {
  v1::ExportAccountDataRequest request;
  request.set_account_id(account_id);
  v1::ExportAccountDataResponse response;
  ::grpc::Status status = f.stub().ExportAccountData(f.Context(token).get(), request, &response);
  if (status.ok() && files != nullptr) {
    for (const api::v1::ExportFile& file : response.files()) {
      (*files)[file.path()] = json::parse(file.content());
    }
  }
  return status;
}

TEST_CASE("Identity's part of an export holds the profile, sessions and operators' actions",
          "[identity][api][export]") {
  PARTA_IDENTITY_FIXTURE(f);
  const std::string op = f->OperatorToken(UniqueEmail("operator"));
  v1::Account person;
  const std::string email = UniqueEmail("mother");
  REQUIRE(f->Register(email, &person).ok());
  v1::TokenPair first;
  v1::TokenPair second;
  REQUIRE(f->Login(email, &first).ok());
  REQUIRE(f->Login(email, &second).ok());
  // An operator looks him up: audited on his account.
  v1::LookUpAccountRequest look_up;
  look_up.set_account_id(person.id());
  look_up.set_reason("Обращение в поддержку № 12");
  v1::LookUpAccountResponse found;
  REQUIRE(f->stub().LookUpAccount(f->Context(op).get(), look_up, &found).ok());

  std::map<std::string, json> files;
  ::grpc::Status status = Export(*f, f->ServiceToken(), person.id(), &files);
  INFO(status.error_message());
  REQUIRE(status.ok());
  REQUIRE(files.size() == 3);
  const json& account = files.at("identity/account.json");
  CHECK(account["id"] == person.id());
  CHECK(account["email"] == email);
  CHECK(account["state"] == "ACCOUNT_STATE_ACTIVE");
  CHECK(files.at("identity/sessions.json")["sessions"].size() == 2);
  const json& audit = files.at("identity/account_audit.json")["entries"];
  REQUIRE(audit.size() == 1);
  CHECK(audit[0]["reason"] == "Обращение в поддержку № 12");
  // Nothing that opens his account: no password hash, code or token.
  for (const auto& [path, document] : files) {
    const std::string text = document.dump();
    CHECK(text.find("argon2") == std::string::npos);
    CHECK(text.find(first.refresh_token()) == std::string::npos);
  }
}

TEST_CASE("Identity's part of an export is for services only", "[identity][api][export]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::Account person;
  const std::string email = UniqueEmail("pupil");
  REQUIRE(f->Register(email, &person).ok());
  v1::TokenPair user;
  REQUIRE(f->Login(email, &user).ok());
  // Not even the person himself asks identity directly: the content service builds exports.
  CHECK(Export(*f, user.access_token(), person.id()).error_code() ==
        ::grpc::StatusCode::PERMISSION_DENIED);
  const std::string service = f->ServiceToken();
  CHECK_RPC_ERROR(Export(*f, service, "not-an-id"), INVALID_ARGUMENT, "INVALID_ACCOUNT_ID");
  CHECK_RPC_ERROR(Export(*f, service, NewUuidV7(absl::Now())), NOT_FOUND, "ACCOUNT_NOT_FOUND");
}

}  // namespace
}  // namespace parta::identity
