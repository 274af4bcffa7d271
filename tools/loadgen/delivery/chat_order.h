#pragma once

// The client rule of the messaging service (services/messaging/README.md) for one chat as one
// member sees it: changes are applied in sequence order, a change seen twice is dropped, one that
// arrives early is held back until the gap before it is filled (from the socket or from the
// chat's history).

#include <cstdint>

#include "absl/container/btree_set.h"

namespace parta::loadgen {

class ChatOrder {
 public:
  // `applied`: the chat's last sequence the member already has.
  explicit ChatOrder(int64_t applied = 0) : applied_(applied) {}

  enum class Outcome { kApplied, kDuplicate, kHeldBack };
  // A change arrived. When it is the next one it is applied with every held-back change that
  // now follows without a gap.
  Outcome Receive(int64_t sequence);

  // Everything up to this sequence has been applied, in order.
  int64_t applied() const { return applied_; }
  // The first sequence missing before a held-back change; 0 when nothing is held back.
  int64_t FirstMissing() const { return held_.empty() ? 0 : applied_ + 1; }
  size_t held() const { return held_.size(); }

 private:
  int64_t applied_;
  absl::btree_set<int64_t> held_;
};

}  // namespace parta::loadgen
