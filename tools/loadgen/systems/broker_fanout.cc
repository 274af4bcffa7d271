#include "tools/loadgen/systems/broker_fanout.h"

#include "libs/core/status.h"

namespace parta::loadgen {

BrokerFanout::BrokerFanout(std::unique_ptr<ServerProcess> server, int groups, int members)
    : server_(std::move(server)), groups_(groups), members_(members) {}

absl::StatusOr<std::vector<int64_t>> BrokerFanout::Baselines() {
  sequences_.assign(static_cast<size_t>(groups_), 0);
  return sequences_;
}

absl::Status BrokerFanout::Connect(Deliveries& deliveries) {
  loop_ = std::make_unique<ClientLoop>();
  readiness_ = std::make_unique<Readiness>();
  RETURN_IF_ERROR(ConnectAll(*loop_, server_->port(), groups_ * members_, *readiness_, [&](int r) {
    return Receiver(r, r / members_, deliveries, *readiness_);
  }));
  publishers_.clear();
  for (int p = 0; p < kPublishers; ++p) {
    const int fd = ConnectNonBlocking(server_->port(), p);
    if (fd < 0) return absl::UnavailableError("cannot connect a publisher");
    auto [session, greeting] = Publisher(p);
    publishers_.push_back(loop_->Add(fd, std::move(session), std::move(greeting)));
  }
  return absl::OkStatus();
}

void BrokerFanout::Send(int group, int sender, int64_t scheduled_ns,
                        std::function<void(int64_t sequence)> acked) {
  const int64_t sequence = ++sequences_[static_cast<size_t>(group)];
  const int publisher = group % kPublishers;
  loop_->Send(publishers_[static_cast<size_t>(publisher)],
              Post(publisher, group, MakePayload(scheduled_ns, sender, sequence)));
  acked(sequence);
}

void BrokerFanout::Disconnect() { loop_.reset(); }

}  // namespace parta::loadgen
