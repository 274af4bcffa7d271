#include "services/gateway/events/channel_hub.h"

#include <algorithm>
#include <utility>

#include "libs/core/log.h"
#include "services/gateway/events/frames.h"

namespace parta::gateway {

ChannelHub::ChannelHub(redis::Endpoint endpoint, Callbacks callbacks)
    : callbacks_(std::move(callbacks)),
      pubsub_(std::move(endpoint),
              redis::PubSub::Callbacks{
                  .on_message = [this](const std::string& channel,
                                       const std::string& payload) { OnMessage(channel, payload); },
                  .on_resubscribed =
                      [this] {
                        if (callbacks_.on_resubscribed) callbacks_.on_resubscribed();
                      }}) {}

ChannelHub::~ChannelHub() { pubsub_.Stop(); }

void ChannelHub::Follow(const std::shared_ptr<Follower>& follower,
                        const std::vector<std::string>& channels,
                        std::function<void()> confirmed) {
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& channel : channels) {
      std::vector<std::shared_ptr<Follower>>& list = followers_[channel];
      if (std::find(list.begin(), list.end(), follower) == list.end()) list.push_back(follower);
    }
  }
  pubsub_.Subscribe(channels, std::move(confirmed));
}

void ChannelHub::Unfollow(const Follower* follower, const std::vector<std::string>& channels) {
  std::vector<std::string> abandoned;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& channel : channels) {
      auto it = followers_.find(channel);
      if (it == followers_.end()) continue;
      auto& list = it->second;
      list.erase(std::remove_if(list.begin(), list.end(),
                                [follower](const auto& f) { return f.get() == follower; }),
                 list.end());
      if (list.empty()) {
        followers_.erase(it);
        abandoned.push_back(channel);
      }
    }
  }
  if (!abandoned.empty()) pubsub_.Unsubscribe(abandoned);
}

void ChannelHub::OnMessage(const std::string& channel, const std::string& payload) {
  events::v1::Envelope envelope;
  if (!envelope.ParseFromString(payload)) {
    log::Warning("undecodable event").With("channel", channel);
    return;
  }
  if (envelope.has_control()) {
    if (callbacks_.on_control) callbacks_.on_control(channel, envelope.control());
    return;
  }
  if (!envelope.has_event()) return;
  const std::string frame = EventFrame(channel, envelope.event());
  if (frame.empty()) return;
  std::vector<std::shared_ptr<Follower>> followers;
  {
    absl::MutexLock lock(&mu_);
    auto it = followers_.find(channel);
    if (it == followers_.end()) return;
    followers = it->second;
  }
  for (const auto& follower : followers) follower->Deliver(frame);
}

}  // namespace parta::gateway
