#pragma once

// Commit batching for sends: under load, many sends share one transaction and one commit (one
// WAL flush) instead of one each. Sends wait in a queue; each of a few writer threads takes all
// that wait (up to a batch), runs them in one transaction (their chats locked in one statement,
// their changes and messages written in two more: Messages::SendAllIn) and commits. A refused
// send leaves nothing behind (a send refuses before it adds to the batch's writes); a failing
// statement sends every send of the batch through a transaction of its own. While one writer waits
// for its commit to reach the disk, the next batch forms for another, so a lone send is never held
// back waiting for company.
//
// Within a batch the chats are locked in id order, so two batches never wait for each other in
// a cycle; a deadlock with another kind of change (a roster update locking two chats) makes
// Postgres abort one transaction, and the pool runs the whole batch again.

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/pg/pool.h"
#include "services/messaging/chats/messages.h"

namespace parta::messaging {

class SendBatcher {
 public:
  using Done = std::function<void(absl::StatusOr<v1::Message>)>;

  // `committed` runs after every commit that changed something (wakes the relay).
  // Counts commits and the sends they carried in `registry`
  // (parta_messaging_send_commits_total, parta_messaging_sends_committed_total), and the sends
  // refused because the queue was full (parta_messaging_sends_shed_total).
  SendBatcher(pg::Pool& pool, Messages& messages, std::function<void()> committed,
              prometheus::Registry& registry, int writers = 4, int max_batch = 64,
              int max_queued = 4096);
  ~SendBatcher();  // Stop()s.

  // Queues a send; `done` runs on a writer thread once it committed or failed. With
  // `max_queued` sends waiting already, `done` runs at once with RESOURCE_EXHAUSTED
  // (`SENDS_OVERLOADED`) and a retry delay: the send was not made, the client retries it with
  // the same request id.
  void Send(std::string caller, v1::SendMessageRequest request, Done done);

  // Finishes what is queued, then stops the writers. Anything still queued then (only when
  // there are no writers) is answered UNAVAILABLE. Idempotent.
  void Stop();

 private:
  struct Job {
    Messages::SendJob send;
    Done done;
  };

  void Write();
  void RunBatch(std::vector<Job>& batch);

  pg::Pool& pool_;
  Messages& messages_;
  const std::function<void()> committed_;
  const size_t max_batch_;
  const size_t max_queued_;
  prometheus::Counter& commits_;
  prometheus::Counter& sends_committed_;
  prometheus::Counter& sends_shed_;
  absl::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> writers_;
};

}  // namespace parta::messaging
