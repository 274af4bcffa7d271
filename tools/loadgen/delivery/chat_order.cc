#include "tools/loadgen/delivery/chat_order.h"

namespace parta::loadgen {

ChatOrder::Outcome ChatOrder::Receive(int64_t sequence) {
  if (sequence <= applied_ || held_.contains(sequence)) return Outcome::kDuplicate;
  if (sequence != applied_ + 1) {
    held_.insert(sequence);
    return Outcome::kHeldBack;
  }
  applied_ = sequence;
  while (!held_.empty() && *held_.begin() == applied_ + 1) {
    applied_ = *held_.begin();
    held_.erase(held_.begin());
  }
  return Outcome::kApplied;
}

}  // namespace parta::loadgen
