#include "libs/auth/token_verifier.h"

#include <random>
#include <utility>

#include "libs/core/status.h"

namespace parta::auth {

TokenVerifier::TokenVerifier(KeySource& keys, RevocationList* revocations, const Clock& clock,
                             Options options)
    : key_source_(keys), revocations_(revocations), clock_(clock), options_(std::move(options)) {}

absl::StatusOr<Claims> TokenVerifier::Verify(absl::string_view token) {
  absl::Time now = clock_.Now();
  std::optional<Claims> claims;
  {
    absl::MutexLock lock(&cache_mu_);
    auto it = verified_.find(token);
    if (it != verified_.end()) {
      if (now < it->second.expires_at + options_.verify.leeway) {
        claims = it->second;
      } else {
        verified_.erase(it);
        return Unauthenticated("TOKEN_EXPIRED", "the token has expired");
      }
    }
  }
  if (!claims) {
    ASSIGN_OR_RETURN(claims, VerifySignature(token, now));
    absl::MutexLock lock(&cache_mu_);
    if (verified_.size() >= options_.cache_capacity) {
      absl::erase_if(verified_, [&](const auto& entry) {
        return now >= entry.second.expires_at + options_.verify.leeway;
      });
      if (verified_.size() >= options_.cache_capacity) verified_.clear();
    }
    verified_.emplace(token, *claims);
  }
  if (revocations_ != nullptr && !claims->session_id.empty()) {
    RETURN_IF_ERROR(CheckNotRevoked(claims->session_id, now));
  }
  return *std::move(claims);
}

std::optional<absl::StatusOr<Claims>> TokenVerifier::VerifyFromCache(absl::string_view token) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&cache_mu_);
  auto it = verified_.find(token);
  if (it == verified_.end()) return std::nullopt;
  if (now >= it->second.expires_at + options_.verify.leeway) {
    return absl::StatusOr<Claims>(Unauthenticated("TOKEN_EXPIRED", "the token has expired"));
  }
  if (revocations_ != nullptr && !it->second.session_id.empty()) {
    auto live = live_sessions_.find(it->second.session_id);
    if (options_.revocation_cache_ttl <= absl::ZeroDuration() || live == live_sessions_.end() ||
        now >= live->second.fresh_until) {
      return std::nullopt;
    }
  }
  return absl::StatusOr<Claims>(it->second);
}

absl::Status TokenVerifier::CheckNotRevoked(const std::string& session_id, absl::Time now) {
  if (options_.revocation_cache_ttl > absl::ZeroDuration()) {
    absl::MutexLock lock(&cache_mu_);
    auto it = live_sessions_.find(session_id);
    if (it != live_sessions_.end() && now < it->second.fresh_until) return absl::OkStatus();
  }
  absl::StatusOr<bool> revoked = revocations_->IsRevoked(session_id);
  if (!revoked.ok()) {
    absl::MutexLock lock(&cache_mu_);
    auto it = live_sessions_.find(session_id);
    if (it != live_sessions_.end() &&
        now - it->second.confirmed_at <= options_.revocation_outage_grace) {
      return absl::OkStatus();
    }
    return Unavailable("REVOCATION_UNAVAILABLE", "cannot check whether the session was revoked");
  }
  if (*revoked) return Unauthenticated("SESSION_REVOKED", "the session has ended");
  if (options_.revocation_cache_ttl > absl::ZeroDuration() ||
      options_.revocation_outage_grace > absl::ZeroDuration()) {
    absl::MutexLock lock(&cache_mu_);
    if (live_sessions_.size() >= options_.cache_capacity) {
      absl::erase_if(live_sessions_, [&](const auto& entry) {
        return entry.second.fresh_until <= now &&
               now - entry.second.confirmed_at > options_.revocation_outage_grace;
      });
      if (live_sessions_.size() >= options_.cache_capacity) live_sessions_.clear();
    }
    // Up to half a TTL of jitter, so the answers of many sessions first seen together do not
    // all expire in the same instant and send a burst of lookups.
    thread_local std::minstd_rand jitter(std::random_device{}());
    double spread = 1.0 + 0.5 * (static_cast<double>(jitter() % 1000) / 1000.0);
    live_sessions_[session_id] = {.fresh_until = now + options_.revocation_cache_ttl * spread,
                                  .confirmed_at = now};
  }
  return absl::OkStatus();
}

absl::Status TokenVerifier::LoadKeys() {
  ASSIGN_OR_RETURN(KeySet fetched, key_source_.FetchKeys());
  absl::MutexLock lock(&keys_mu_);
  keys_ = std::make_shared<const KeySet>(std::move(fetched));
  last_fetch_ = clock_.Now();
  return absl::OkStatus();
}

bool TokenVerifier::HasKeys() {
  absl::MutexLock lock(&keys_mu_);
  return keys_ != nullptr;
}

absl::StatusOr<Claims> TokenVerifier::VerifySignature(absl::string_view token, absl::Time now) {
  ASSIGN_OR_RETURN(std::string kid, PeekKeyId(token));
  std::shared_ptr<const KeySet> keys;
  bool fetch = false;
  {
    absl::MutexLock lock(&keys_mu_);
    bool unknown = keys_ == nullptr || !keys_->contains(kid);
    bool due = now - last_fetch_ >= options_.key_refresh_interval;
    bool may_force = now - last_fetch_ >= options_.min_refetch_interval;
    // One fetch at a time, outside the lock; other callers go on with the keys they have.
    if (!fetching_ && (due || (unknown && may_force))) {
      fetching_ = true;
      fetch = true;
      last_fetch_ = now;
    }
    keys = keys_;
  }
  if (fetch) {
    absl::StatusOr<KeySet> fetched = key_source_.FetchKeys();
    absl::MutexLock lock(&keys_mu_);
    fetching_ = false;
    // On failure keep verifying with the keys we have.
    if (fetched.ok()) keys_ = std::make_shared<const KeySet>(*std::move(fetched));
    keys = keys_;
  }
  if (keys == nullptr) {
    return Unavailable("KEYS_UNAVAILABLE", "the token signing keys cannot be fetched");
  }
  return VerifyToken(token, *keys, options_.verify, now);
}

}  // namespace parta::auth
