// Gathering what identity holds about a person for his data export (152-FZ art. 14). The
// content service asks on behalf of the person or his parent, having checked who asked.

#include "libs/core/status.h"
#include "services/identity/domain/identity.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

// Rows read per query; an export reads every page in one read-only transaction.
constexpr int kExportBatch = 500;

}  // namespace

absl::StatusOr<AccountExport> Identity::ExportAccountData(absl::string_view account_id) {
  ASSIGN_OR_RETURN(const std::string id, AccountIdOf(account_id));
  AccountExport out;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Account> account, tx.FindAccount(id));
    if (!account) return AccountNotFound();
    out.account = *std::move(account);
    std::optional<SessionKey> before;
    for (;;) {
      ASSIGN_OR_RETURN(std::vector<Session> sessions,
                       tx.ListActiveSessions(id, before, kExportBatch));
      out.open_sessions.insert(out.open_sessions.end(), sessions.begin(), sessions.end());
      if (static_cast<int>(sessions.size()) < kExportBatch) break;
      before = SessionKey{.created_at = sessions.back().created_at, .id = sessions.back().id};
    }
    int64_t before_seq = 0;
    for (;;) {
      ASSIGN_OR_RETURN(std::vector<AuditEntry> entries,
                       tx.ListAudit(id, before_seq, kExportBatch));
      out.audit.insert(out.audit.end(), entries.begin(), entries.end());
      if (static_cast<int>(entries.size()) < kExportBatch) break;
      before_seq = entries.back().seq;
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace parta::identity
