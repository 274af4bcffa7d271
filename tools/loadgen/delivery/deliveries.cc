#include "tools/loadgen/delivery/deliveries.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace parta::loadgen {
namespace {

// About 150 bytes with the header: a class chat's message in Russian.
constexpr char kText[] = "Напоминаю: завтра контрольная по алгебре, повторите §12–14.";

}  // namespace

std::string MakePayload(int64_t scheduled_ns, int sender, int64_t sequence) {
  return absl::StrCat("lg ", scheduled_ns, " ", sender, " ", sequence, " ", kText);
}

bool ParsePayload(absl::string_view text, PayloadFields& fields) {
  if (!absl::ConsumePrefix(&text, "lg ")) return false;
  std::vector<absl::string_view> words = absl::StrSplit(text, absl::MaxSplits(' ', 3));
  return words.size() == 4 && absl::SimpleAtoi(words[0], &fields.scheduled_ns) &&
         absl::SimpleAtoi(words[1], &fields.sender) && absl::SimpleAtoi(words[2], &fields.sequence);
}

Deliveries::Deliveries(std::vector<int> group_of, std::vector<int64_t> baseline)
    : group_of_(std::move(group_of)), baseline_(std::move(baseline)), posts_(baseline_.size()) {
  orders_.reserve(group_of_.size());
  for (int group : group_of_) orders_.emplace_back(baseline_[static_cast<size_t>(group)]);
}

void Deliveries::Measure(int64_t from_ns, int64_t until_ns) {
  measure_from_ns_ = from_ns;
  measure_until_ns_ = until_ns;
}

Deliveries::Post& Deliveries::PostOf(int group, int64_t sequence) {
  std::vector<Post>& posts = posts_[static_cast<size_t>(group)];
  const auto index = static_cast<size_t>(sequence - baseline_[static_cast<size_t>(group)] - 1);
  if (index >= posts.size()) posts.resize(index + 1);
  return posts[index];
}

void Deliveries::Received(int receiver, int64_t sequence, int64_t scheduled_ns, int sender,
                          int64_t now_ns) {
  const int group = group_of_[static_cast<size_t>(receiver)];
  if (sequence <= baseline_[static_cast<size_t>(group)]) return;  // before the run
  switch (orders_[static_cast<size_t>(receiver)].Receive(sequence)) {
    case ChatOrder::Outcome::kDuplicate:
      ++duplicates_;
      return;
    case ChatOrder::Outcome::kHeldBack:
      ++held_back_;
      break;
    case ChatOrder::Outcome::kApplied:
      break;
  }
  Post& post = PostOf(group, sequence);
  post.scheduled_ns = scheduled_ns;
  post.sender = sender;
  if (sender == receiver) return;  // his own post coming back: not a delivery
  ++post.receivers;
  post.last_ns = std::max(post.last_ns, now_ns);
  if (scheduled_ns >= measure_from_ns_ && scheduled_ns < measure_until_ns_) {
    latency_.Record(absl::Nanoseconds(now_ns - scheduled_ns));
  }
}

void Deliveries::Filled(int receiver, int64_t sequence) {
  if (orders_[static_cast<size_t>(receiver)].Receive(sequence) == ChatOrder::Outcome::kApplied) {
    ++filled_;
  }
}

bench::Histogram Deliveries::LastReceiverLatency(const std::vector<int>& group_sizes,
                                                 int64_t& incomplete) const {
  bench::Histogram last;
  incomplete = 0;
  for (size_t group = 0; group < posts_.size(); ++group) {
    for (const Post& post : posts_[group]) {
      if (post.scheduled_ns < measure_from_ns_ || post.scheduled_ns >= measure_until_ns_) continue;
      const int expected = group_sizes[group] - (post.sender >= 0 ? 1 : 0);
      if (post.receivers < expected) {
        ++incomplete;
        continue;
      }
      last.Record(absl::Nanoseconds(post.last_ns - post.scheduled_ns));
    }
  }
  return last;
}

}  // namespace parta::loadgen
