// Getting back into an account (codes by e-mail through a real SMTP server, by the development
// SMS provider) and operators' locks, lookups and audit log, against a real identity service.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <thread>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/testing/mail_server.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::identity {
namespace {

using testing::IdentityFixture;
using testing::kPassword;
using testing::ReasonOf;

constexpr char kNewPassword[] = "Мороз и солнце, день чудесный 1826";

std::string UniqueEmail(const std::string& name) {
  return absl::StrCat(name, "-", absl::AsciiStrToLower(RandomCode(8)), "@school.test");
}

// The six-digit code a message carries.
std::string CodeIn(const std::string& text) {
  std::smatch match;
  REQUIRE(std::regex_search(text, match, std::regex(R"(\b(\d{6})\b)")));
  return match[1];
}

// Settings of an identity service that sends e-mail to `mail` and text messages to `sms_file`.
std::function<void(IdentityConfig&)> WithDelivery(const parta::testing::PrivateMailServer& mail,
                                                  const std::string& sms_file,
                                                  int free_attempts = 5) {
  return [&mail, sms_file, free_attempts](IdentityConfig& config) {
    config.smtp = SmtpSettings{.url = mail.url(), .from = "no-reply@parta.test"};
    config.sms_file = sms_file;
    config.message_poll_interval = absl::Milliseconds(50);
    config.identity.login_protection.free_attempts = free_attempts;
  };
}

::grpc::Status RequestReset(IdentityFixture& f, const std::string& login,
                            v1::RequestPasswordResetResponse* response = nullptr) {
  v1::RequestPasswordResetRequest request;
  request.set_login(login);
  v1::RequestPasswordResetResponse ignored;
  return f.stub().RequestPasswordReset(f.Context().get(), request,
                                       response ? response : &ignored);
}

::grpc::Status Reset(IdentityFixture& f, const std::string& login, const std::string& code,
                     v1::TokenPair* tokens = nullptr,
                     const std::string& new_password = kNewPassword) {
  v1::ResetPasswordRequest request;
  request.set_login(login);
  request.set_code(code);
  request.set_new_password(new_password);
  request.set_device("Телефон мамы");
  v1::ResetPasswordResponse response;
  ::grpc::Status status = f.stub().ResetPassword(f.Context().get(), request, &response);
  if (tokens) *tokens = response.tokens();
  return status;
}

::grpc::Status Refresh(IdentityFixture& f, const v1::TokenPair& pair) {
  v1::RefreshRequest request;
  request.set_refresh_token(pair.refresh_token());
  v1::RefreshResponse response;
  return f.stub().Refresh(f.Context().get(), request, &response);
}

int64_t Count(IdentityFixture& f, const std::string& sql, const std::string& arg) {
  int64_t count = 0;
  REQUIRE(f.pool()
              .Transact([&](pqxx::work& tx) {
                count = tx.exec_params1(sql, arg)[0].as<int64_t>();
                return absl::OkStatus();
              })
              .ok());
  return count;
}

std::vector<v1::AccountAuditEntry> Audit(IdentityFixture& f, const std::string& token,
                                         const std::string& account_id) {
  v1::ListAccountAuditRequest request;
  request.set_account_id(account_id);
  v1::ListAccountAuditResponse response;
  ::grpc::Status status = f.stub().ListAccountAudit(f.Context(token).get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return {response.entries().begin(), response.entries().end()};
}

TEST_CASE("A forgotten password comes back through the e-mail the SMTP server delivered",
          "[identity][api][recovery]") {
  parta::testing::PrivateMailServer mail;
  PARTA_IDENTITY_FIXTURE(f, WithDelivery(mail, mail.maildir() + "/../sms.jsonl"));
  const std::string email = UniqueEmail("mama");
  v1::Account account;
  REQUIRE(f->Register(email, &account).ok());
  v1::TokenPair before;
  REQUIRE(f->Login(email, &before).ok());

  v1::RequestPasswordResetResponse started;
  // Typed as a person types it: capitals and spaces around.
  REQUIRE(RequestReset(*f, "  " + absl::AsciiStrToUpper(email) + " ", &started).ok());
  CHECK(started.channel() == v1::DELIVERY_CHANNEL_EMAIL);
  CHECK(started.expire_time().seconds() ==
        absl::ToUnixSeconds(f->clock().Now() + absl::Minutes(15)));

  std::vector<parta::testing::DeliveredMail> delivered = mail.WaitForMail(email);
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].subject == "Восстановление пароля Parta");
  CHECK(delivered[0].from == "Parta <no-reply@parta.test>");
  CHECK(delivered[0].body.find("Код для восстановления пароля") != std::string::npos);
  const std::string code = CodeIn(delivered[0].body);
  // Sent, the message leaves the database: its sealed body held the code.
  CHECK(Count(*f, "SELECT count(*) FROM outgoing_messages WHERE recipient = $1", email) == 0);

  v1::TokenPair after;
  REQUIRE(Reset(*f, email, code.substr(0, 3) + " " + code.substr(3), &after).ok());
  CHECK(!after.access_token().empty());
  // Every earlier session ended; the old password is gone, the new one signs in.
  CHECK_RPC_ERROR(Refresh(*f, before), UNAUTHENTICATED, "SESSION_REVOKED");
  CHECK(Refresh(*f, after).ok());
  v1::TokenPair pair;
  CHECK_RPC_ERROR(f->Login(email, &pair), UNAUTHENTICATED, "INVALID_CREDENTIALS");
  CHECK(f->Login(email, &pair, kNewPassword).ok());
  // The code is single use.
  CHECK_RPC_ERROR(Reset(*f, email, code), UNAUTHENTICATED, "INVALID_CODE");

  // The audit log shows the reset, done by the person himself.
  std::vector<v1::AccountAuditEntry> entries =
      Audit(*f, f->OperatorToken(UniqueEmail("operator")), account.id());
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].action() == v1::ACCOUNT_AUDIT_ACTION_PASSWORD_RESET);
  CHECK(entries[0].actor_id() == account.id());
  CHECK(!entries[0].client_address().empty());
}

TEST_CASE("A reset request answers alike for an unknown login and sends nothing",
          "[identity][api][recovery]") {
  parta::testing::PrivateMailServer mail;
  PARTA_IDENTITY_FIXTURE(f, WithDelivery(mail, mail.maildir() + "/../sms.jsonl"));
  const std::string known = UniqueEmail("known");
  const std::string unknown = UniqueEmail("nobody");
  REQUIRE(f->Register(known).ok());

  v1::RequestPasswordResetResponse for_unknown;
  v1::RequestPasswordResetResponse for_known;
  REQUIRE(RequestReset(*f, unknown, &for_unknown).ok());
  REQUIRE(RequestReset(*f, known, &for_known).ok());
  CHECK(for_unknown.SerializeAsString() == for_known.SerializeAsString());
  mail.WaitForMail(known);
  CHECK(Count(*f, "SELECT count(*) FROM outgoing_messages WHERE recipient = $1", unknown) == 0);
  CHECK(mail.MailTo(unknown).empty());
  // A code for nobody opens nothing.
  CHECK_RPC_ERROR(Reset(*f, unknown, "123456"), UNAUTHENTICATED, "INVALID_CODE");

  // Requests are throttled per login, known or not, in the same words.
  CHECK_RPC_ERROR(RequestReset(*f, unknown), RESOURCE_EXHAUSTED, "RESET_THROTTLED");
  CHECK_RPC_ERROR(RequestReset(*f, known), RESOURCE_EXHAUSTED, "RESET_THROTTLED");
  for (int i = 2; i <= 5; ++i) {
    f->clock().Advance(absl::Minutes(1) + absl::Seconds(1));
    INFO("request " << i);
    REQUIRE(RequestReset(*f, unknown).ok());
  }
  f->clock().Advance(absl::Minutes(2));
  CHECK_RPC_ERROR(RequestReset(*f, unknown), RESOURCE_EXHAUSTED, "RESET_THROTTLED");
  f->clock().Advance(absl::Hours(1));
  CHECK(RequestReset(*f, unknown).ok());
}

TEST_CASE("Reset codes refuse bad input, wrong guesses, old codes and school usernames",
          "[identity][api][recovery]") {
  parta::testing::PrivateMailServer mail;
  PARTA_IDENTITY_FIXTURE(f, WithDelivery(mail, mail.maildir() + "/../sms.jsonl",
                                              /*free_attempts=*/20));
  CHECK_RPC_ERROR(RequestReset(*f, ""), INVALID_ARGUMENT, "LOGIN_REQUIRED");
  CHECK_RPC_ERROR(RequestReset(*f, "not-an-email@"), INVALID_ARGUMENT, "INVALID_EMAIL");
  CHECK_RPC_ERROR(RequestReset(*f, "+7 000"), INVALID_ARGUMENT, "INVALID_PHONE");
  CHECK_RPC_ERROR(RequestReset(*f, "u7k3m9q2xa"), FAILED_PRECONDITION, "ASK_SCHOOL_FOR_CODE");
  CHECK_RPC_ERROR(Reset(*f, "", "123456"), INVALID_ARGUMENT, "LOGIN_REQUIRED");
  CHECK_RPC_ERROR(Reset(*f, "a@school.test", ""), INVALID_ARGUMENT, "CODE_REQUIRED");

  const std::string email = UniqueEmail("papa");
  REQUIRE(f->Register(email).ok());
  REQUIRE(RequestReset(*f, email).ok());
  const std::string code = CodeIn(mail.WaitForMail(email)[0].body);
  const std::string wrong = code == "000000" ? "000001" : "000000";
  CHECK_RPC_ERROR(Reset(*f, email, "12345"), UNAUTHENTICATED, "INVALID_CODE");
  CHECK_RPC_ERROR(Reset(*f, email, "abcdef"), UNAUTHENTICATED, "INVALID_CODE");
  // A weak password is refused before the code is spent.
  CHECK_RPC_ERROR(Reset(*f, email, code, nullptr, "12345678"), INVALID_ARGUMENT,
                  "PASSWORD_TOO_SHORT");
  // Five wrong guesses spend the code (the malformed ones above were no guesses).
  for (int i = 0; i < 5; ++i) {
    CHECK_RPC_ERROR(Reset(*f, email, wrong), UNAUTHENTICATED, "INVALID_CODE");
  }
  CHECK_RPC_ERROR(Reset(*f, email, code), UNAUTHENTICATED, "INVALID_CODE");

  // A new code works; one left until it expires does not.
  f->clock().Advance(absl::Minutes(2));
  REQUIRE(RequestReset(*f, email).ok());
  std::vector<parta::testing::DeliveredMail> second = mail.WaitForMail(email, 2);
  const std::string fresh = CodeIn(second.back().body);
  f->clock().Advance(absl::Minutes(15) + absl::Seconds(1));
  CHECK_RPC_ERROR(Reset(*f, email, fresh), UNAUTHENTICATED, "INVALID_CODE");

  // An account locked after its code was sent is told so, and keeps its password.
  const std::string locked_email = UniqueEmail("locked");
  v1::Account locked_account;
  REQUIRE(f->Register(locked_email, &locked_account).ok());
  REQUIRE(RequestReset(*f, locked_email).ok());
  const std::string locked_code = CodeIn(mail.WaitForMail(locked_email)[0].body);
  v1::LockAccountRequest lock;
  lock.set_account_id(locked_account.id());
  lock.set_reason("Проверка");
  v1::LockAccountResponse locked;
  REQUIRE(f->stub()
              .LockAccount(f->Context(f->OperatorToken(UniqueEmail("operator"))).get(), lock,
                           &locked)
              .ok());
  CHECK_RPC_ERROR(Reset(*f, locked_email, locked_code), UNAUTHENTICATED, "ACCOUNT_LOCKED");
}

TEST_CASE("Reset requests from one address are limited", "[identity][api][recovery]") {
  parta::testing::PrivateMailServer mail;
  auto delivery = WithDelivery(mail, mail.maildir() + "/../sms.jsonl");
  PARTA_IDENTITY_FIXTURE(f, [&](IdentityConfig& config) {
    delivery(config);
    config.identity.password_reset.address_burst = 2;
  });
  // Different logins, each within its own limit: the address's bucket decides.
  REQUIRE(RequestReset(*f, UniqueEmail("a")).ok());
  REQUIRE(RequestReset(*f, UniqueEmail("b")).ok());
  CHECK_RPC_ERROR(RequestReset(*f, UniqueEmail("c")), RESOURCE_EXHAUSTED, "ADDRESS_THROTTLED");
}

TEST_CASE("A phone account gets its code from the development SMS provider",
          "[identity][api][recovery]") {
  parta::testing::PrivateMailServer mail;
  const std::string sms_file = mail.maildir() + "/../sms.jsonl";
  PARTA_IDENTITY_FIXTURE(f, WithDelivery(mail, sms_file));
  uint32_t random = 0;
  std::memcpy(&random, RandomBytes(sizeof random).data(), sizeof random);
  const std::string phone = absl::StrCat("+7916", 1000000 + random % 9000000);
  v1::RegisterRequest request;
  request.set_phone(phone);
  request.set_password(kPassword);
  request.set_display_name("Ольга Ивановна");
  v1::RegisterResponse registered;
  REQUIRE(f->stub().Register(f->Context().get(), request, &registered).ok());

  v1::RequestPasswordResetResponse started;
  REQUIRE(RequestReset(*f, phone, &started).ok());
  CHECK(started.channel() == v1::DELIVERY_CHANNEL_SMS);
  // Sent in the background: wait for the provider's line.
  std::string code;
  for (int attempt = 0; attempt < 1500 && code.empty(); ++attempt) {
    std::ifstream in(sms_file);
    for (std::string line; std::getline(in, line);) {
      nlohmann::json sms = nlohmann::json::parse(line);
      if (sms["to"] == registered.account().phone()) code = CodeIn(sms["text"]);
    }
    if (code.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(!code.empty());
  v1::TokenPair tokens;
  REQUIRE(Reset(*f, phone, code, &tokens).ok());
  v1::TokenPair pair;
  CHECK(f->Login(phone, &pair, kNewPassword).ok());
}

TEST_CASE("Reset messages wait in the database while the SMTP relay is down",
          "[identity][api][recovery]") {
  // A port where nothing listens: a mail server started and stopped.
  std::string dead_url;
  {
    parta::testing::PrivateMailServer gone;
    dead_url = gone.url();
  }
  PARTA_IDENTITY_FIXTURE(f, [&](IdentityConfig& config) {
    config.smtp = SmtpSettings{.url = dead_url, .from = "no-reply@parta.test"};
    config.message_poll_interval = absl::Hours(1);  // the test drives delivery
  });
  const std::string email = UniqueEmail("retry");
  REQUIRE(f->Register(email).ok());
  REQUIRE(RequestReset(*f, email).ok());
  absl::StatusOr<int> sent = f->app().DeliverMessages();
  REQUIRE(sent.ok());
  CHECK(*sent == 0);
  CHECK(Count(*f,
              "SELECT count(*) FROM outgoing_messages WHERE recipient = $1 AND attempts = 1 "
              "AND last_error <> ''",
              email) == 1);
  // A phone login is refused where no SMS provider is configured: no code goes nowhere.
  CHECK_RPC_ERROR(RequestReset(*f, "+79161234567"), FAILED_PRECONDITION,
                  "DELIVERY_NOT_CONFIGURED");
  // Once stale, the message is dropped instead of sent late.
  f->clock().Advance(absl::Minutes(16));
  REQUIRE(f->app().DeliverMessages().ok());
  CHECK(Count(*f, "SELECT count(*) FROM outgoing_messages WHERE recipient = $1", email) == 0);
}

::grpc::Status StartChange(IdentityFixture& f, const std::string& token, const std::string& email,
                           const std::string& phone = "") {
  v1::StartContactChangeRequest request;
  request.set_email(email);
  request.set_phone(phone);
  v1::StartContactChangeResponse response;
  return f.stub().StartContactChange(f.Context(token).get(), request, &response);
}

::grpc::Status ConfirmChange(IdentityFixture& f, const std::string& token,
                             const std::string& code, v1::Account* account = nullptr) {
  v1::ConfirmContactChangeRequest request;
  request.set_code(code);
  v1::ConfirmContactChangeResponse response;
  ::grpc::Status status = f.stub().ConfirmContactChange(f.Context(token).get(), request, &response);
  if (account) *account = response.account();
  return status;
}

TEST_CASE("A new e-mail proves itself with a code before it counts, and the old one is told",
          "[identity][api][recovery]") {
  parta::testing::PrivateMailServer mail;
  PARTA_IDENTITY_FIXTURE(f, WithDelivery(mail, mail.maildir() + "/../sms.jsonl"));
  const std::string old_email = UniqueEmail("old");
  const std::string new_email = UniqueEmail("new");
  v1::Account account;
  REQUIRE(f->Register(old_email, &account).ok());
  v1::TokenPair pair;
  REQUIRE(f->Login(old_email, &pair).ok());
  const std::string token = pair.access_token();
  // A reset code sent to the old address before the change.
  REQUIRE(RequestReset(*f, old_email).ok());
  const std::string reset_code = CodeIn(mail.WaitForMail(old_email)[0].body);
  const std::string taken = UniqueEmail("taken");
  REQUIRE(f->Register(taken).ok());

  CHECK_RPC_ERROR(StartChange(*f, token, ""), INVALID_ARGUMENT, "CONTACT_REQUIRED");
  CHECK_RPC_ERROR(StartChange(*f, token, new_email, "+79161234567"), INVALID_ARGUMENT,
                  "CONTACT_REQUIRED");
  CHECK_RPC_ERROR(StartChange(*f, token, "no-at-sign"), INVALID_ARGUMENT, "INVALID_EMAIL");
  CHECK_RPC_ERROR(StartChange(*f, token, absl::AsciiStrToUpper(old_email)), FAILED_PRECONDITION,
                  "CONTACT_UNCHANGED");
  CHECK_RPC_ERROR(StartChange(*f, token, taken), ALREADY_EXISTS, "ACCOUNT_EXISTS");
  CHECK_RPC_ERROR(ConfirmChange(*f, token, "123456"), INVALID_ARGUMENT, "INVALID_CODE");
  CHECK_RPC_ERROR(ConfirmChange(*f, token, ""), INVALID_ARGUMENT, "CODE_REQUIRED");

  REQUIRE(StartChange(*f, token, new_email).ok());
  CHECK_RPC_ERROR(StartChange(*f, token, new_email), RESOURCE_EXHAUSTED, "CODE_THROTTLED");
  std::vector<parta::testing::DeliveredMail> sent = mail.WaitForMail(new_email);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].subject == "Подтверждение адреса в Parta");
  const std::string code = CodeIn(sent[0].body);
  // Until confirmed, the account signs in with the old address only.
  CHECK_RPC_ERROR(f->Login(new_email, &pair), UNAUTHENTICATED, "INVALID_CREDENTIALS");
  CHECK_RPC_ERROR(ConfirmChange(*f, token, code == "000000" ? "111111" : "000000"),
                  INVALID_ARGUMENT, "INVALID_CODE");
  v1::Account changed;
  REQUIRE(ConfirmChange(*f, token, code, &changed).ok());
  CHECK(changed.email() == new_email);
  CHECK_RPC_ERROR(ConfirmChange(*f, token, code), INVALID_ARGUMENT, "INVALID_CODE");
  CHECK(f->Login(new_email, &pair).ok());
  CHECK_RPC_ERROR(f->Login(old_email, &pair), UNAUTHENTICATED, "INVALID_CREDENTIALS");
  // The code that went to the old address opens nothing any more.
  CHECK_RPC_ERROR(Reset(*f, new_email, reset_code), UNAUTHENTICATED, "INVALID_CODE");

  // The old address hears of it, with the new one masked.
  std::optional<parta::testing::DeliveredMail> told;
  for (const parta::testing::DeliveredMail& sent : mail.WaitForMail(old_email, 2)) {
    if (sent.subject == "Адрес вашей учётной записи Parta изменён") told = sent;
  }
  REQUIRE(told);
  CHECK(told->body.find(new_email.substr(0, 2) + "***@school.test") != std::string::npos);
  CHECK(told->body.find(new_email) == std::string::npos);

  std::vector<v1::AccountAuditEntry> entries =
      Audit(*f, f->OperatorToken(UniqueEmail("operator")), account.id());
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].action() == v1::ACCOUNT_AUDIT_ACTION_CONTACT_CHANGED);
  CHECK(entries[0].reason() == "email");
}

TEST_CASE("A phone account adds an e-mail it confirms", "[identity][api][recovery]") {
  parta::testing::PrivateMailServer mail;
  PARTA_IDENTITY_FIXTURE(f, WithDelivery(mail, mail.maildir() + "/../sms.jsonl"));
  v1::RegisterRequest request;
  request.set_phone("+79161112233");
  request.set_password(kPassword);
  request.set_display_name("Ольга Ивановна");
  v1::RegisterResponse registered;
  REQUIRE(f->stub().Register(f->Context().get(), request, &registered).ok());
  v1::TokenPair pair;
  REQUIRE(f->Login("+79161112233", &pair).ok());
  const std::string email = UniqueEmail("olga");
  REQUIRE(StartChange(*f, pair.access_token(), email).ok());
  const std::string first = CodeIn(mail.WaitForMail(email)[0].body);
  // Five wrong codes spend it.
  const std::string wrong = first == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) {
    CHECK_RPC_ERROR(ConfirmChange(*f, pair.access_token(), wrong), INVALID_ARGUMENT,
                    "INVALID_CODE");
  }
  CHECK_RPC_ERROR(ConfirmChange(*f, pair.access_token(), first), INVALID_ARGUMENT,
                  "INVALID_CODE");
  f->clock().Advance(absl::Minutes(2));
  REQUIRE(StartChange(*f, pair.access_token(), email).ok());
  std::string code = first;
  for (const parta::testing::DeliveredMail& sent : mail.WaitForMail(email, 2)) {
    if (CodeIn(sent.body) != first) code = CodeIn(sent.body);
  }
  v1::Account changed;
  REQUIRE(ConfirmChange(*f, pair.access_token(), code, &changed).ok());
  CHECK(changed.email() == email);
  CHECK(changed.phone() == "+79161112233");
  CHECK(f->Login(email, &pair).ok());
}

TEST_CASE("A school-managed account that confirmed an e-mail resets its password by it",
          "[identity][api][recovery]") {
  parta::testing::PrivateMailServer mail;
  PARTA_IDENTITY_FIXTURE(f, WithDelivery(mail, mail.maildir() + "/../sms.jsonl"));
  v1::CreateManagedAccountsRequest create;
  v1::NewManagedAccount& teacher = *create.add_accounts();
  teacher.set_display_name("Смирнова Анна Павловна");
  teacher.set_external_key("school-7/teacher-1");
  v1::CreateManagedAccountsResponse created;
  REQUIRE(f->stub()
              .CreateManagedAccounts(f->Context(f->ServiceToken()).get(), create, &created)
              .ok());
  const std::string username = created.accounts(0).account().username();
  v1::ActivateManagedAccountRequest activate;
  activate.set_login(username);
  activate.set_code(created.accounts(0).login_code());
  activate.set_new_password(kPassword);
  v1::ActivateManagedAccountResponse activated;
  REQUIRE(f->stub().ActivateManagedAccount(f->Context().get(), activate, &activated).ok());
  // By username: the school's codes, as before.
  CHECK_RPC_ERROR(RequestReset(*f, username), FAILED_PRECONDITION, "ASK_SCHOOL_FOR_CODE");

  const std::string email = UniqueEmail("smirnova");
  const std::string token = activated.tokens().access_token();
  REQUIRE(StartChange(*f, token, email).ok());
  REQUIRE(ConfirmChange(*f, token, CodeIn(mail.WaitForMail(email)[0].body)).ok());
  REQUIRE(RequestReset(*f, email).ok());
  std::string code;
  for (const parta::testing::DeliveredMail& sent : mail.WaitForMail(email, 2)) {
    if (sent.subject == "Восстановление пароля Parta") code = CodeIn(sent.body);
  }
  REQUIRE(Reset(*f, email, code).ok());
  v1::TokenPair pair;
  CHECK(f->Login(username, &pair, kNewPassword).ok());
  CHECK(f->Login(email, &pair, kNewPassword).ok());
}

TEST_CASE("Operators lock, unlock and look up accounts, and the audit log shows it",
          "[identity][api][operators]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::Account operator_account;
  const std::string op = f->OperatorToken(UniqueEmail("operator"), &operator_account);
  const std::string email = UniqueEmail("teacher");
  v1::Account account;
  REQUIRE(f->Register(email, &account).ok());
  v1::TokenPair user;
  REQUIRE(f->Login(email, &user).ok());

  v1::LockAccountRequest lock;
  lock.set_account_id(account.id());
  lock.set_reason("Жалоба школы №57, обращение 1234");
  v1::LockAccountResponse locked;
  CHECK_RPC_ERROR(f->stub().LockAccount(f->Context(user.access_token()).get(), lock, &locked),
                  PERMISSION_DENIED, "OPERATOR_ONLY");
  v1::LockAccountRequest no_reason = lock;
  no_reason.set_reason("  ");
  CHECK_RPC_ERROR(f->stub().LockAccount(f->Context(op).get(), no_reason, &locked),
                  INVALID_ARGUMENT, "REASON_REQUIRED");
  v1::LockAccountRequest unknown = lock;
  unknown.set_account_id(NewUuidV7(absl::Now()));
  CHECK_RPC_ERROR(f->stub().LockAccount(f->Context(op).get(), unknown, &locked), NOT_FOUND,
                  "ACCOUNT_NOT_FOUND");
  // The only operator cannot lock himself out.
  v1::LockAccountRequest self = lock;
  self.set_account_id(operator_account.id());
  CHECK_RPC_ERROR(f->stub().LockAccount(f->Context(op).get(), self, &locked),
                  FAILED_PRECONDITION, "LAST_OPERATOR");

  REQUIRE(f->stub().LockAccount(f->Context(op).get(), lock, &locked).ok());
  CHECK(locked.account().state() == v1::ACCOUNT_STATE_LOCKED);
  // Sessions ended at once; sign-in is refused with the reason.
  CHECK_RPC_ERROR(Refresh(*f, user), UNAUTHENTICATED, "SESSION_REVOKED");
  v1::TokenPair pair;
  CHECK_RPC_ERROR(f->Login(email, &pair), UNAUTHENTICATED, "ACCOUNT_LOCKED");
  // Locking again changes nothing and is not audited twice.
  REQUIRE(f->stub().LockAccount(f->Context(op).get(), lock, &locked).ok());

  v1::LookUpAccountRequest look;
  look.set_login(absl::AsciiStrToUpper(email));
  look.set_reason("Обращение в поддержку 1234");
  v1::LookUpAccountResponse found;
  REQUIRE(f->stub().LookUpAccount(f->Context(op).get(), look, &found).ok());
  REQUIRE(found.accounts_size() == 1);
  CHECK(found.accounts(0).id() == account.id());
  CHECK(found.accounts(0).state() == v1::ACCOUNT_STATE_LOCKED);
  v1::LookUpAccountRequest by_id;
  by_id.set_account_id(account.id());
  by_id.set_reason("Проверка");
  REQUIRE(f->stub().LookUpAccount(f->Context(op).get(), by_id, &found).ok());
  CHECK(found.accounts_size() == 1);
  v1::LookUpAccountRequest nobody;
  nobody.set_login(UniqueEmail("nobody"));
  nobody.set_reason("Проверка");
  REQUIRE(f->stub().LookUpAccount(f->Context(op).get(), nobody, &found).ok());
  CHECK(found.accounts_size() == 0);
  v1::LookUpAccountRequest both = by_id;
  both.set_login(email);
  CHECK_RPC_ERROR(f->stub().LookUpAccount(f->Context(op).get(), both, &found), INVALID_ARGUMENT,
                  "QUERY_REQUIRED");
  v1::LookUpAccountRequest bad_id;
  bad_id.set_account_id("42");
  bad_id.set_reason("Проверка");
  CHECK_RPC_ERROR(f->stub().LookUpAccount(f->Context(op).get(), bad_id, &found),
                  INVALID_ARGUMENT, "INVALID_ACCOUNT_ID");
  const std::string plain_email = UniqueEmail("parent");
  REQUIRE(f->Register(plain_email).ok());
  v1::TokenPair plain;
  REQUIRE(f->Login(plain_email, &plain).ok());
  CHECK_RPC_ERROR(f->stub().LookUpAccount(f->Context(plain.access_token()).get(), look, &found),
                  PERMISSION_DENIED, "OPERATOR_ONLY");

  v1::UnlockAccountRequest unlock;
  unlock.set_account_id(account.id());
  unlock.set_reason("Школа подтвердила, что ошибка");
  v1::UnlockAccountResponse unlocked;
  REQUIRE(f->stub().UnlockAccount(f->Context(op).get(), unlock, &unlocked).ok());
  CHECK(unlocked.account().state() == v1::ACCOUNT_STATE_ACTIVE);
  CHECK(f->Login(email, &pair).ok());

  // The newest first: unlocked, the two lookups, locked; each with the operator and reason.
  std::vector<v1::AccountAuditEntry> entries = Audit(*f, op, account.id());
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].action() == v1::ACCOUNT_AUDIT_ACTION_UNLOCKED);
  CHECK(entries[0].reason() == "Школа подтвердила, что ошибка");
  CHECK(entries[1].action() == v1::ACCOUNT_AUDIT_ACTION_LOOKED_UP);
  CHECK(entries[2].action() == v1::ACCOUNT_AUDIT_ACTION_LOOKED_UP);
  CHECK(entries[3].action() == v1::ACCOUNT_AUDIT_ACTION_LOCKED);
  CHECK(entries[3].reason() == "Жалоба школы №57, обращение 1234");
  for (const v1::AccountAuditEntry& entry : entries) {
    CHECK(entry.actor_id() == operator_account.id());
    CHECK(entry.account_id() == account.id());
  }
  // Paged one at a time, the same entries in the same order.
  v1::ListAccountAuditRequest page;
  page.set_account_id(account.id());
  page.set_page_size(1);
  std::vector<std::string> ids;
  do {
    v1::ListAccountAuditResponse response;
    REQUIRE(f->stub().ListAccountAudit(f->Context(op).get(), page, &response).ok());
    for (const auto& entry : response.entries()) ids.push_back(entry.id());
    page.set_page_token(response.next_page_token());
  } while (!page.page_token().empty());
  REQUIRE(ids.size() == 4);
  for (size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == entries[i].id());
  // Only operators read it.
  v1::ListAccountAuditRequest mine;
  mine.set_account_id(account.id());
  v1::ListAccountAuditResponse response;
  CHECK_RPC_ERROR(
      f->stub().ListAccountAudit(f->Context(pair.access_token()).get(), mine, &response),
      PERMISSION_DENIED, "OPERATOR_ONLY");
  mine.set_account_id("not-a-uuid");
  CHECK_RPC_ERROR(f->stub().ListAccountAudit(f->Context(op).get(), mine, &response),
                  INVALID_ARGUMENT, "INVALID_ACCOUNT_ID");

  // With a second operator, one may lock the other; the audit refuses changes in the database.
  v1::Account second;
  f->OperatorToken(UniqueEmail("operator2"), &second);
  REQUIRE(f->stub().LockAccount(f->Context(op).get(), [&] {
    v1::LockAccountRequest r;
    r.set_account_id(second.id());
    r.set_reason("Уволился");
    return r;
  }(), &locked).ok());
  absl::Status update = f->pool().Transact([&](pqxx::work& tx) {
    tx.exec("UPDATE account_audit SET reason = 'forged'");
    return absl::OkStatus();
  });
  CHECK(!update.ok());
}

}  // namespace
}  // namespace parta::identity
