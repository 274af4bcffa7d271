#include "services/messaging/api/messaging_grpc.h"

#include "libs/core/status.h"
#include "libs/realtime/channels.h"
#include "libs/realtime/publish.h"
#include "services/messaging/chats/chat_log.h"

namespace parta::messaging {
namespace {

using grpc::CallContext;

// Answers a call with what a use case returned.
template <typename T>
absl::Status Answer(absl::StatusOr<T> result, T& response) {
  if (!result.ok()) return result.status();
  response = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

::grpc::ServerUnaryReactor* MessagingGrpcService::ListChats(::grpc::CallbackServerContext* context,
                                                            const v1::ListChatsRequest* request,
                                                            v1::ListChatsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListChatsRequest&, v1::ListChatsResponse& resp) {
        return Answer(inbox_.ListChats(call.user_id()), resp);
      });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::GetChat(::grpc::CallbackServerContext* context,
                                                          const v1::GetChatRequest* request,
                                                          v1::Chat* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::GetChatRequest& req, v1::Chat& resp) {
        return Answer(inbox_.GetChat(call.user_id(), req.chat_id()), resp);
      });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::SendMessage(
    ::grpc::CallbackServerContext* context, const v1::SendMessageRequest* request,
    v1::Message* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::SendMessageRequest& req, v1::Message& resp) {
        return Answer(messages_.Send(call.user_id(), req), resp);
      });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListMessages(
    ::grpc::CallbackServerContext* context, const v1::ListMessagesRequest* request,
    v1::ListMessagesResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListMessagesRequest& req,
                               v1::ListMessagesResponse& resp) {
                          return Answer(messages_.List(call.user_id(), req), resp);
                        });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::EditMessage(
    ::grpc::CallbackServerContext* context, const v1::EditMessageRequest* request,
    v1::Message* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::EditMessageRequest& req, v1::Message& resp) {
        return Answer(messages_.Edit(call.user_id(), req), resp);
      });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::DeleteMessage(
    ::grpc::CallbackServerContext* context, const v1::DeleteMessageRequest* request,
    v1::Message* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::DeleteMessageRequest& req, v1::Message& resp) {
        return Answer(messages_.Delete(call.user_id(), req), resp);
      });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::MarkRead(::grpc::CallbackServerContext* context,
                                                           const v1::MarkReadRequest* request,
                                                           v1::Chat* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::MarkReadRequest& req, v1::Chat& resp) {
        return Answer(inbox_.MarkRead(call.user_id(), req), resp);
      });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListChatChanges(
    ::grpc::CallbackServerContext* context, const v1::ListChatChangesRequest* request,
    v1::ListChatChangesResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListChatChangesRequest& req,
                               v1::ListChatChangesResponse& resp) {
                          return Answer(inbox_.ListChanges(call.user_id(), req), resp);
                        });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::Sync(::grpc::CallbackServerContext* context,
                                                       const v1::SyncRequest* request,
                                                       v1::SyncResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::SyncRequest& req, v1::SyncResponse& resp) {
        return Answer(inbox_.Sync(call.user_id(), req), resp);
      });
}

::grpc::ServerUnaryReactor* SubscriptionGrpcService::ListMySubscriptions(
    ::grpc::CallbackServerContext* context, const events::v1::ListMySubscriptionsRequest* request,
    events::v1::ListMySubscriptionsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const events::v1::ListMySubscriptionsRequest&,
             events::v1::ListMySubscriptionsResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<std::string> channels, inbox_.ChannelsOf(call.user_id()));
        for (std::string& channel : channels) resp.add_channels(std::move(channel));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* ClientSignalGrpcService::SendTyping(
    ::grpc::CallbackServerContext* context, const events::v1::SendTypingRequest* request,
    events::v1::SendTypingResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const events::v1::SendTypingRequest& req,
                               events::v1::SendTypingResponse&) -> absl::Status {
                          RETURN_IF_ERROR(inbox_.MayWrite(call.user_id(), req.chat_id()));
                          // Ephemeral: published, never logged; sequence 0 (unordered).
                          events::v1::Envelope envelope;
                          events::v1::Event& event = *envelope.mutable_event();
                          event.set_stream(ChatStream(req.chat_id()));
                          event.mutable_typing()->set_chat_id(req.chat_id());
                          event.mutable_typing()->set_user_id(call.user_id());
                          return realtime::Publish(redis_, realtime::ChatChannel(req.chat_id()),
                                                   envelope);
                        });
}

::grpc::ServerUnaryReactor* ClientSignalGrpcService::Acknowledge(
    ::grpc::CallbackServerContext* context, const events::v1::AcknowledgeRequest* request,
    events::v1::AcknowledgeResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const events::v1::AcknowledgeRequest& req,
                               events::v1::AcknowledgeResponse&) -> absl::Status {
                          std::string chat_id = ChatOfStream(req.stream());
                          if (chat_id.empty()) {
                            return InvalidArgument("INVALID_STREAM",
                                                   "stream must be a chat's, \"chat/<id>\"");
                          }
                          v1::MarkReadRequest mark;
                          mark.set_chat_id(chat_id);
                          mark.set_sequence(req.sequence());
                          return inbox_.MarkRead(call.user_id(), mark).status();
                        });
}

}  // namespace parta::messaging
