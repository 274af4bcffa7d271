#include "tools/loadgen/delivery/chat_order.h"

#include <catch2/catch.hpp>

namespace parta::loadgen {
namespace {

using Outcome = ChatOrder::Outcome;

TEST_CASE("Changes in order are applied one by one", "[loadgen][unit]") {
  ChatOrder order(10);
  CHECK(order.Receive(11) == Outcome::kApplied);
  CHECK(order.Receive(12) == Outcome::kApplied);
  CHECK(order.applied() == 12);
  CHECK(order.FirstMissing() == 0);
}

TEST_CASE("A change seen twice, or one the member had before, is dropped", "[loadgen][unit]") {
  ChatOrder order(10);
  CHECK(order.Receive(10) == Outcome::kDuplicate);
  CHECK(order.Receive(3) == Outcome::kDuplicate);
  CHECK(order.Receive(11) == Outcome::kApplied);
  CHECK(order.Receive(11) == Outcome::kDuplicate);
  CHECK(order.Receive(13) == Outcome::kHeldBack);
  CHECK(order.Receive(13) == Outcome::kDuplicate);
  CHECK(order.held() == 1);
}

TEST_CASE("An early change waits for the gap, which releases everything behind it",
          "[loadgen][unit]") {
  ChatOrder order(0);
  CHECK(order.Receive(3) == Outcome::kHeldBack);
  CHECK(order.Receive(5) == Outcome::kHeldBack);
  CHECK(order.applied() == 0);
  CHECK(order.FirstMissing() == 1);
  CHECK(order.Receive(1) == Outcome::kApplied);
  CHECK(order.applied() == 1);
  CHECK(order.FirstMissing() == 2);
  CHECK(order.Receive(2) == Outcome::kApplied);  // releases 3, not 5
  CHECK(order.applied() == 3);
  CHECK(order.FirstMissing() == 4);
  CHECK(order.Receive(4) == Outcome::kApplied);
  CHECK(order.applied() == 5);
  CHECK(order.held() == 0);
  CHECK(order.FirstMissing() == 0);
}

}  // namespace
}  // namespace parta::loadgen
