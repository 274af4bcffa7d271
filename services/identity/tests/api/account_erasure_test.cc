// Erasure of accounts on request against a real identity service: closing at once, the grace
// period, cancelling, the tombstone left when it is final, the events other services follow,
// and every refusal.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::identity {
namespace {

using testing::IdentityFixture;

std::string UniqueEmail(const std::string& name) {
  return absl::StrCat(name, "-", absl::AsciiStrToLower(RandomCode(8)), "@school.test");
}

::grpc::Status RequestErasure(IdentityFixture& f, const std::string& token,
                              const std::string& account_id, const std::string& reason,
                              v1::RequestAccountErasureResponse* response = nullptr) {
  v1::RequestAccountErasureRequest request;
  request.set_account_id(account_id);
  request.set_reason(reason);
  v1::RequestAccountErasureResponse ignored;
  return f.stub().RequestAccountErasure(f.Context(token).get(), request,
                                        response ? response : &ignored);
}

::grpc::Status CancelErasure(IdentityFixture& f, const std::string& token,
                             const std::string& account_id,
                             v1::CancelAccountErasureResponse* response = nullptr) {
  v1::CancelAccountErasureRequest request;
  request.set_account_id(account_id);
  request.set_reason("Обращение отозвано");
  v1::CancelAccountErasureResponse ignored;
  return f.stub().CancelAccountErasure(f.Context(token).get(), request,
                                       response ? response : &ignored);
}

v1::Account GetAccount(IdentityFixture& f, const std::string& service_token,
                       const std::string& account_id) {
  v1::GetAccountRequest request;
  request.set_account_id(account_id);
  v1::GetAccountResponse response;
  ::grpc::Status status = f.stub().GetAccount(f.Context(service_token).get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.account();
}

// The account events of `account_id`, in order.
std::vector<v1::AccountEvent> EventsOf(IdentityFixture& f, const std::string& service_token,
                                       const std::string& account_id) {
  std::vector<v1::AccountEvent> events;
  int64_t after = 0;
  while (true) {
    v1::ListAccountEventsRequest request;
    request.set_after_sequence(after);
    request.set_page_size(2);
    v1::ListAccountEventsResponse response;
    ::grpc::Status status =
        f.stub().ListAccountEvents(f.Context(service_token).get(), request, &response);
    INFO(status.error_message());
    REQUIRE(status.ok());
    for (const v1::StreamedAccountEvent& streamed : response.events()) {
      CHECK(streamed.sequence() == after + 1);  // without gaps
      after = streamed.sequence();
      if (streamed.event().account_id() == account_id) events.push_back(streamed.event());
    }
    if (!response.has_more()) return events;
  }
}

std::vector<v1::AccountAuditAction> AuditActions(IdentityFixture& f, const std::string& op,
                                                 const std::string& account_id) {
  v1::ListAccountAuditRequest request;
  request.set_account_id(account_id);
  v1::ListAccountAuditResponse response;
  REQUIRE(f.stub().ListAccountAudit(f.Context(op).get(), request, &response).ok());
  std::vector<v1::AccountAuditAction> actions;
  for (const v1::AccountAuditEntry& entry : response.entries()) actions.push_back(entry.action());
  return actions;
}

TEST_CASE("A person closes his account: out at once, erased when the grace period ends",
          "[identity][api][erasure]") {
  PARTA_IDENTITY_FIXTURE(f, [](IdentityConfig& config) {
    config.identity.erasure_grace = absl::Hours(24);
    config.erasure_poll_interval = absl::Hours(24);  // the test decides when
  });
  const std::string op = f->OperatorToken(UniqueEmail("operator"));
  const std::string service = f->ServiceToken();
  const std::string email = UniqueEmail("mother");
  v1::Account account;
  REQUIRE(f->Register(email, &account).ok());
  v1::TokenPair user;
  REQUIRE(f->Login(email, &user).ok());

  v1::RequestAccountErasureResponse closed;
  REQUIRE(RequestErasure(*f, user.access_token(), account.id(), "Прошу удалить мои данные",
                         &closed)
              .ok());
  CHECK(closed.account().state() == v1::ACCOUNT_STATE_CLOSED);
  const absl::Time erase_at =
      absl::FromUnixSeconds(closed.erase_time().seconds()) +
      absl::Nanoseconds(closed.erase_time().nanos());
  CHECK(absl::ToUnixMicros(erase_at) == absl::ToUnixMicros(f->clock().Now() + absl::Hours(24)));
  // Out at once: the session is gone and sign-in says why.
  v1::RefreshRequest refresh;
  refresh.set_refresh_token(user.refresh_token());
  v1::RefreshResponse refreshed;
  CHECK_RPC_ERROR(f->stub().Refresh(f->Context().get(), refresh, &refreshed), UNAUTHENTICATED,
                  "SESSION_REVOKED");
  v1::TokenPair pair;
  CHECK_RPC_ERROR(f->Login(email, &pair), UNAUTHENTICATED, "ACCOUNT_CLOSED");
  // Asking again changes nothing; an operator cannot lock or unlock it meanwhile.
  v1::RequestAccountErasureResponse again;
  REQUIRE(RequestErasure(*f, op, account.id(), "Повторное обращение", &again).ok());
  CHECK(again.erase_time().seconds() == closed.erase_time().seconds());
  v1::UnlockAccountRequest unlock;
  unlock.set_account_id(account.id());
  unlock.set_reason("Ошибка");
  v1::UnlockAccountResponse unlocked;
  CHECK_RPC_ERROR(f->stub().UnlockAccount(f->Context(op).get(), unlock, &unlocked),
                  FAILED_PRECONDITION, "ACCOUNT_CLOSED");

  // Not before its time.
  REQUIRE(f->app().FinishErasures().ok());
  CHECK(GetAccount(*f, service, account.id()).state() == v1::ACCOUNT_STATE_CLOSED);
  f->clock().Advance(absl::Hours(24));
  REQUIRE(f->app().FinishErasures().ok());
  // A day later: tokens of then have expired.
  const std::string later_op = f->OperatorToken(UniqueEmail("operator"));
  const std::string later_service = f->ServiceToken();

  // A tombstone: no login, no name, nothing of him left but the id.
  v1::Account erased = GetAccount(*f, later_service, account.id());
  CHECK(erased.state() == v1::ACCOUNT_STATE_DELETED);
  CHECK(erased.display_name() == "Удалённый пользователь");
  CHECK(erased.email().empty());
  CHECK(erased.phone().empty());
  int64_t sessions = -1;
  REQUIRE(f->pool()
              .Transact([&](pqxx::work& tx) {
                sessions = tx.exec_params1("SELECT count(*) FROM sessions WHERE account_id = $1",
                                           account.id())[0]
                               .as<int64_t>();
                return absl::OkStatus();
              })
              .ok());
  CHECK(sessions == 0);
  // His address is free: signing in with it finds nobody, registering with it makes a new
  // account.
  CHECK_RPC_ERROR(f->Login(email, &pair), UNAUTHENTICATED, "INVALID_CREDENTIALS");
  v1::Account fresh;
  REQUIRE(f->Register(email, &fresh).ok());
  CHECK(fresh.id() != account.id());
  // Final: it cannot be asked for or cancelled again.
  CHECK_RPC_ERROR(RequestErasure(*f, later_op, account.id(), "Ещё раз"), FAILED_PRECONDITION,
                  "ACCOUNT_DELETED");
  CHECK_RPC_ERROR(CancelErasure(*f, later_op, account.id()), FAILED_PRECONDITION,
                  "ACCOUNT_DELETED");

  // Other services learn of both steps, in order; the audit log keeps them (the newest first).
  std::vector<v1::AccountEvent> events = EventsOf(*f, later_service, account.id());
  REQUIRE(events.size() == 2);
  CHECK(events[0].has_closed());
  CHECK(events[0].actor_id() == account.id());
  CHECK(events[0].reason() == "Прошу удалить мои данные");
  CHECK(events[1].has_erased());
  CHECK(events[1].actor_id().empty());
  CHECK(AuditActions(*f, later_op, account.id()) ==
        std::vector<v1::AccountAuditAction>{v1::ACCOUNT_AUDIT_ACTION_ERASED,
                                            v1::ACCOUNT_AUDIT_ACTION_ERASURE_REQUESTED});
}

TEST_CASE("An operator cancels an erasure within the grace period", "[identity][api][erasure]") {
  PARTA_IDENTITY_FIXTURE(f, [](IdentityConfig& config) {
    config.identity.erasure_grace = absl::Hours(1);
    config.erasure_poll_interval = absl::Hours(24);
  });
  const std::string op = f->OperatorToken(UniqueEmail("operator"));
  const std::string email = UniqueEmail("teacher");
  v1::Account account;
  REQUIRE(f->Register(email, &account).ok());
  v1::TokenPair user;
  REQUIRE(f->Login(email, &user).ok());

  CHECK_RPC_ERROR(CancelErasure(*f, op, account.id()), FAILED_PRECONDITION, "NO_PENDING_ERASURE");
  REQUIRE(RequestErasure(*f, op, account.id(), "Заявление родителя № 17").ok());
  // Only operators cancel (the person cannot sign in to do it).
  v1::Account other;
  const std::string other_email = UniqueEmail("other");
  REQUIRE(f->Register(other_email, &other).ok());
  v1::TokenPair other_user;
  REQUIRE(f->Login(other_email, &other_user).ok());
  CHECK_RPC_ERROR(CancelErasure(*f, other_user.access_token(), account.id()), PERMISSION_DENIED,
                  "OPERATOR_ONLY");

  v1::CancelAccountErasureResponse reopened;
  REQUIRE(CancelErasure(*f, op, account.id(), &reopened).ok());
  CHECK(reopened.account().state() == v1::ACCOUNT_STATE_ACTIVE);
  f->clock().Advance(absl::Hours(2));
  REQUIRE(f->app().FinishErasures().ok());
  const std::string later_op = f->OperatorToken(UniqueEmail("operator"));
  const std::string later_service = f->ServiceToken();
  CHECK(GetAccount(*f, later_service, account.id()).state() == v1::ACCOUNT_STATE_ACTIVE);
  // He signs in anew; the sessions ended by the closing stay ended.
  v1::TokenPair back;
  REQUIRE(f->Login(email, &back).ok());
  v1::RefreshRequest refresh;
  refresh.set_refresh_token(user.refresh_token());
  v1::RefreshResponse refreshed;
  CHECK_RPC_ERROR(f->stub().Refresh(f->Context().get(), refresh, &refreshed), UNAUTHENTICATED,
                  "SESSION_REVOKED");

  std::vector<v1::AccountEvent> events = EventsOf(*f, later_service, account.id());
  REQUIRE(events.size() == 2);
  CHECK(events[0].has_closed());
  CHECK(events[1].has_reopened());
  CHECK(AuditActions(*f, later_op, account.id()) ==
        std::vector<v1::AccountAuditAction>{v1::ACCOUNT_AUDIT_ACTION_ERASURE_CANCELLED,
                                            v1::ACCOUNT_AUDIT_ACTION_ERASURE_REQUESTED});
}

TEST_CASE("Erasure refuses strangers, bad input and the last operator",
          "[identity][api][erasure]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::Account operator_account;
  const std::string op = f->OperatorToken(UniqueEmail("operator"), &operator_account);
  v1::Account mine;
  v1::Account theirs;
  const std::string email = UniqueEmail("pupil");
  REQUIRE(f->Register(email, &mine).ok());
  REQUIRE(f->Register(UniqueEmail("neighbour"), &theirs).ok());
  v1::TokenPair user;
  REQUIRE(f->Login(email, &user).ok());
  const std::string token = user.access_token();

  CHECK_RPC_ERROR(RequestErasure(*f, token, theirs.id(), "Хочу"), PERMISSION_DENIED,
                  "NOT_YOUR_ACCOUNT");
  CHECK_RPC_ERROR(RequestErasure(*f, token, mine.id(), " \t "), INVALID_ARGUMENT,
                  "REASON_REQUIRED");
  CHECK_RPC_ERROR(RequestErasure(*f, token, mine.id(), std::string(501, 'x')), INVALID_ARGUMENT,
                  "REASON_REQUIRED");
  CHECK_RPC_ERROR(RequestErasure(*f, op, "not-an-id", "Причина"), INVALID_ARGUMENT,
                  "INVALID_ACCOUNT_ID");
  CHECK_RPC_ERROR(RequestErasure(*f, op, NewUuidV7(absl::Now()), "Причина"), NOT_FOUND,
                  "ACCOUNT_NOT_FOUND");
  CHECK_RPC_ERROR(RequestErasure(*f, op, operator_account.id(), "Ухожу"), FAILED_PRECONDITION,
                  "LAST_OPERATOR");
  CHECK(RequestErasure(*f, "", mine.id(), "Причина").error_code() ==
        ::grpc::StatusCode::UNAUTHENTICATED);
  // Nothing was written by the refusals.
  const std::string service = f->ServiceToken();
  CHECK(EventsOf(*f, service, mine.id()).empty());
  CHECK(EventsOf(*f, service, operator_account.id()).empty());

  // The event read is for services only, with a valid page.
  v1::ListAccountEventsRequest list;
  v1::ListAccountEventsResponse events;
  CHECK(f->stub().ListAccountEvents(f->Context(token).get(), list, &events).error_code() ==
        ::grpc::StatusCode::PERMISSION_DENIED);
  list.set_page_size(1001);
  CHECK_RPC_ERROR(f->stub().ListAccountEvents(f->Context(service).get(), list, &events),
                  INVALID_ARGUMENT, "INVALID_PAGE");
  list.set_page_size(10);
  list.set_after_sequence(-1);
  CHECK_RPC_ERROR(f->stub().ListAccountEvents(f->Context(service).get(), list, &events),
                  INVALID_ARGUMENT, "INVALID_SEQUENCE");
}

}  // namespace
}  // namespace parta::identity
