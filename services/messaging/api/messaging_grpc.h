#pragma once

// gRPC face of messaging: MessagingService for clients (through the gateway), and the two
// services the gateway calls for sockets: SubscriptionService (the chats a user's sockets
// follow) and ClientSignalService (typing, acknowledgements). The caller is always the verified
// token's subject.

#include "libs/grpc/call.h"
#include "libs/redis/client.h"
#include "parta/events/v1/events.grpc.pb.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"
#include "services/messaging/chats/inbox.h"
#include "services/messaging/chats/messages.h"

namespace parta::messaging {

class MessagingGrpcService final : public v1::MessagingService::CallbackService {
 public:
  MessagingGrpcService(Messages& messages, Inbox& inbox, grpc::RpcRuntime& runtime)
      : messages_(messages), inbox_(inbox), runtime_(runtime) {}

  ::grpc::ServerUnaryReactor* ListChats(::grpc::CallbackServerContext* context,
                                        const v1::ListChatsRequest* request,
                                        v1::ListChatsResponse* response) override;
  ::grpc::ServerUnaryReactor* GetChat(::grpc::CallbackServerContext* context,
                                      const v1::GetChatRequest* request,
                                      v1::Chat* response) override;
  ::grpc::ServerUnaryReactor* SendMessage(::grpc::CallbackServerContext* context,
                                          const v1::SendMessageRequest* request,
                                          v1::Message* response) override;
  ::grpc::ServerUnaryReactor* ListMessages(::grpc::CallbackServerContext* context,
                                           const v1::ListMessagesRequest* request,
                                           v1::ListMessagesResponse* response) override;
  ::grpc::ServerUnaryReactor* EditMessage(::grpc::CallbackServerContext* context,
                                          const v1::EditMessageRequest* request,
                                          v1::Message* response) override;
  ::grpc::ServerUnaryReactor* DeleteMessage(::grpc::CallbackServerContext* context,
                                            const v1::DeleteMessageRequest* request,
                                            v1::Message* response) override;
  ::grpc::ServerUnaryReactor* MarkRead(::grpc::CallbackServerContext* context,
                                       const v1::MarkReadRequest* request,
                                       v1::Chat* response) override;
  ::grpc::ServerUnaryReactor* ListChatChanges(::grpc::CallbackServerContext* context,
                                              const v1::ListChatChangesRequest* request,
                                              v1::ListChatChangesResponse* response) override;
  ::grpc::ServerUnaryReactor* Sync(::grpc::CallbackServerContext* context,
                                   const v1::SyncRequest* request,
                                   v1::SyncResponse* response) override;

 private:
  Messages& messages_;
  Inbox& inbox_;
  grpc::RpcRuntime& runtime_;
};

class SubscriptionGrpcService final : public events::v1::SubscriptionService::CallbackService {
 public:
  SubscriptionGrpcService(Inbox& inbox, grpc::RpcRuntime& runtime)
      : inbox_(inbox), runtime_(runtime) {}

  ::grpc::ServerUnaryReactor* ListMySubscriptions(
      ::grpc::CallbackServerContext* context, const events::v1::ListMySubscriptionsRequest* request,
      events::v1::ListMySubscriptionsResponse* response) override;

 private:
  Inbox& inbox_;
  grpc::RpcRuntime& runtime_;
};

class ClientSignalGrpcService final : public events::v1::ClientSignalService::CallbackService {
 public:
  ClientSignalGrpcService(Inbox& inbox, redis::Pool& redis, grpc::RpcRuntime& runtime)
      : inbox_(inbox), redis_(redis), runtime_(runtime) {}

  ::grpc::ServerUnaryReactor* SendTyping(::grpc::CallbackServerContext* context,
                                         const events::v1::SendTypingRequest* request,
                                         events::v1::SendTypingResponse* response) override;
  ::grpc::ServerUnaryReactor* Acknowledge(::grpc::CallbackServerContext* context,
                                          const events::v1::AcknowledgeRequest* request,
                                          events::v1::AcknowledgeResponse* response) override;

 private:
  Inbox& inbox_;
  redis::Pool& redis_;
  grpc::RpcRuntime& runtime_;
};

}  // namespace parta::messaging
