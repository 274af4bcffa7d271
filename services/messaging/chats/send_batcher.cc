#include "services/messaging/chats/send_batcher.h"

#include <pthread.h>

#include <algorithm>

#include "libs/core/status.h"

namespace parta::messaging {
namespace {

// A full queue drains in a few commits; a retry after this long finds room.
constexpr absl::Duration kRetryWhenFull = absl::Milliseconds(200);

}  // namespace

SendBatcher::SendBatcher(pg::Pool& pool, Messages& messages, std::function<void()> committed,
                         prometheus::Registry& registry, int writers, int max_batch,
                         int max_queued)
    : pool_(pool),
      messages_(messages),
      committed_(std::move(committed)),
      max_batch_(static_cast<size_t>(max_batch)),
      max_queued_(static_cast<size_t>(max_queued)),
      commits_(prometheus::BuildCounter()
                   .Name("parta_messaging_send_commits_total")
                   .Help("Transactions that committed sends (one per batch)")
                   .Register(registry)
                   .Add({})),
      sends_committed_(prometheus::BuildCounter()
                           .Name("parta_messaging_sends_committed_total")
                           .Help("Sends committed, new messages and retries alike")
                           .Register(registry)
                           .Add({})),
      sends_shed_(prometheus::BuildCounter()
                      .Name("parta_messaging_sends_shed_total")
                      .Help("Sends refused because the queue of sends to write was full")
                      .Register(registry)
                      .Add({})) {
  for (int i = 0; i < writers; ++i) {
    writers_.emplace_back([this] { Write(); });
    pthread_setname_np(writers_.back().native_handle(), "send-writer");
  }
}

SendBatcher::~SendBatcher() { Stop(); }

void SendBatcher::Send(std::string caller, v1::SendMessageRequest request, Done done) {
  absl::StatusOr<std::string> hash = messages_.Check(request);
  if (!hash.ok()) {
    done(hash.status());
    return;
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    done(Unavailable("SHUTTING_DOWN", "the service is stopping"));
    return;
  }
  if (queue_.size() >= max_queued_) {
    sends_shed_.Increment();
    done(WithRetryAfter(ResourceExhausted("SENDS_OVERLOADED",
                                          "too many sends are waiting to be written; retry"),
                        kRetryWhenFull));
    return;
  }
  queue_.push_back(Job{.send = {.caller = std::move(caller),
                                .request = std::move(request),
                                .request_hash = *std::move(hash)},
                       .done = std::move(done)});
}

void SendBatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& writer : writers_) {
    if (writer.joinable()) writer.join();
  }
  std::deque<Job> left;
  {
    absl::MutexLock lock(&mu_);
    left.swap(queue_);
  }
  for (Job& job : left) job.done(Unavailable("SHUTTING_DOWN", "the service is stopping"));
}

void SendBatcher::Write() {
  while (true) {
    std::vector<Job> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](SendBatcher* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything queued is written
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
  }
}

void SendBatcher::RunBatch(std::vector<Job>& batch) {
  // Chats locked in one order by every batch.
  std::stable_sort(batch.begin(), batch.end(), [](const Job& a, const Job& b) {
    return a.send.request.chat_id() < b.send.request.chat_id();
  });
  std::vector<const Messages::SendJob*> sends;
  for (const Job& job : batch) sends.push_back(&job.send);
  std::vector<absl::StatusOr<v1::Message>> results;
  bool appended = false;
  // A send refuses before it adds anything to the batch's writes, so refused sends need no
  // savepoint. Only a failing statement spoils the transaction; then each send of the batch
  // runs again in a transaction of its own.
  absl::Status committed = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    results = messages_.SendAllIn(tx, sends, appended);
    return absl::OkStatus();
  });
  if (!committed.ok() && batch.size() > 1 && committed.code() != absl::StatusCode::kUnavailable) {
    for (Job& job : batch) job.done(messages_.Send(job.send.caller, job.send.request));
    return;
  }
  if (committed.ok()) {
    commits_.Increment();
    sends_committed_.Increment(static_cast<double>(batch.size()));
    if (appended) committed_();
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(committed.ok() ? std::move(results[i]) : absl::StatusOr<v1::Message>(committed));
  }
}

}  // namespace parta::messaging
