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

// A unary call answered with what a use case of the caller returns.
template <typename Request, typename Response, typename UseCase>
::grpc::ServerUnaryReactor* Unary(grpc::RpcRuntime& runtime, ::grpc::CallbackServerContext* context,
                                  const Request* request, Response* response, UseCase use_case) {
  return runtime.Serve(context, request, response,
                       [use_case = std::move(use_case)](const CallContext& call, const Request& req,
                                                        Response& resp) {
                         return Answer(use_case(call.user_id(), req), resp);
                       });
}

// A unary call whose response carries, in one field, the resource a use case of the caller
// returns: `field` is the response's mutable accessor of it. The resource is moved in, not copied.
template <typename Request, typename Response, typename Resource, typename UseCase>
::grpc::ServerUnaryReactor* Unary(grpc::RpcRuntime& runtime, ::grpc::CallbackServerContext* context,
                                  const Request* request, Response* response,
                                  Resource* (Response::*field)(), UseCase use_case) {
  return runtime.Serve(context, request, response,
                       [field, use_case = std::move(use_case)](const CallContext& call,
                                                               const Request& req, Response& resp) {
                         return Answer(use_case(call.user_id(), req), *(resp.*field)());
                       });
}

// A write into a chat: in a direct chat, only while its two people may contact each other.
template <typename Write>
auto Gated(DirectChatGate& gate, const std::string& caller, const std::string& chat_id, Write write)
    -> decltype(write()) {
  if (absl::Status may = gate.MayWrite(caller, chat_id); !may.ok()) return may;
  return write();
}

}  // namespace

::grpc::ServerUnaryReactor* MessagingGrpcService::ListChats(::grpc::CallbackServerContext* context,
                                                            const v1::ListChatsRequest* request,
                                                            v1::ListChatsResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::ListChatsRequest& req) {
                 return use_.inbox.ListChats(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::GetChat(::grpc::CallbackServerContext* context,
                                                          const v1::GetChatRequest* request,
                                                          v1::GetChatResponse* response) {
  return Unary(runtime_, context, request, response, &v1::GetChatResponse::mutable_chat,
               [this](const std::string& caller, const v1::GetChatRequest& req) {
                 return use_.inbox.GetChat(caller, req.chat_id());
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::SendMessage(
    ::grpc::CallbackServerContext* context, const v1::SendMessageRequest* request,
    v1::SendMessageResponse* response) {
  // Sends share transactions (SendBatcher): no thread waits for a commit. A send into a direct
  // chat (or a chat not seen yet) first asks the directory, and a send with attachments the
  // content service (with the author's own token), on a worker, never on this thread, and before
  // the send's transaction: no RPC is made while the chat's row is locked. The message is moved
  // into the response, not copied.
  return runtime_.ServeAsync(
      context, request, response,
      [this](const CallContext& call, const v1::SendMessageRequest& req,
             v1::SendMessageResponse& resp, grpc::RpcRuntime::Finish finish) {
        auto send = [this, &req, &resp](const std::string& caller,
                                        grpc::RpcRuntime::Finish finish) {
          use_.sends.Send(caller, req,
                          [&resp, finish = std::move(finish)](absl::StatusOr<v1::Message> sent) {
                            finish(Answer(std::move(sent), *resp.mutable_message()));
                          });
        };
        const bool attachments = !req.attachment_ids().empty();
        if (!attachments && !use_.direct.MayNeedCheck(req.chat_id())) {
          send(call.user_id(), std::move(finish));
          return;
        }
        auto shared_finish = std::make_shared<grpc::RpcRuntime::Finish>(std::move(finish));
        bool queued = runtime_.executor().TrySubmit(
            [this, send, attachments, caller = call.user_id(), token = call.bearer_token,
             request_id = call.request_id, &req, shared_finish] {
              absl::Status may = use_.direct.MayWrite(caller, req.chat_id());
              // A request refused anyway is not worth content's time.
              if (may.ok() && attachments) may = use_.messages.Check(req).status();
              if (may.ok() && attachments) {
                may = use_.content.Check(
                    token, request_id, {req.attachment_ids().begin(), req.attachment_ids().end()});
              }
              if (!may.ok()) {
                (*shared_finish)(may);
                return;
              }
              send(caller, std::move(*shared_finish));
            });
        if (!queued) {
          (*shared_finish)(ResourceExhausted("SERVER_BUSY", "the server is busy; retry"));
        }
      });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListMessages(
    ::grpc::CallbackServerContext* context, const v1::ListMessagesRequest* request,
    v1::ListMessagesResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::ListMessagesRequest& req) {
                 return use_.messages.List(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::EditMessage(
    ::grpc::CallbackServerContext* context, const v1::EditMessageRequest* request,
    v1::EditMessageResponse* response) {
  return Unary(runtime_, context, request, response, &v1::EditMessageResponse::mutable_message,
               [this](const std::string& caller, const v1::EditMessageRequest& req) {
                 return Gated(use_.direct, caller, req.chat_id(),
                              [&] { return use_.messages.Edit(caller, req); });
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::DeleteMessage(
    ::grpc::CallbackServerContext* context, const v1::DeleteMessageRequest* request,
    v1::DeleteMessageResponse* response) {
  return Unary(runtime_, context, request, response, &v1::DeleteMessageResponse::mutable_message,
               [this](const std::string& caller, const v1::DeleteMessageRequest& req) {
                 return use_.messages.Delete(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::MarkRead(::grpc::CallbackServerContext* context,
                                                           const v1::MarkReadRequest* request,
                                                           v1::MarkReadResponse* response) {
  return Unary(runtime_, context, request, response, &v1::MarkReadResponse::mutable_chat,
               [this](const std::string& caller, const v1::MarkReadRequest& req) {
                 return use_.inbox.MarkRead(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListChatChanges(
    ::grpc::CallbackServerContext* context, const v1::ListChatChangesRequest* request,
    v1::ListChatChangesResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::ListChatChangesRequest& req) {
                 return use_.inbox.ListChanges(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListMessageVersions(
    ::grpc::CallbackServerContext* context, const v1::ListMessageVersionsRequest* request,
    v1::ListMessageVersionsResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::ListMessageVersionsRequest& req) {
                 return use_.messages.Versions(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ReactToMessage(
    ::grpc::CallbackServerContext* context, const v1::ReactToMessageRequest* request,
    v1::ReactToMessageResponse* response) {
  return Unary(runtime_, context, request, response, &v1::ReactToMessageResponse::mutable_message,
               [this](const std::string& caller, const v1::ReactToMessageRequest& req) {
                 return Gated(use_.direct, caller, req.chat_id(),
                              [&] { return use_.actions.React(caller, req); });
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::PinMessage(::grpc::CallbackServerContext* context,
                                                             const v1::PinMessageRequest* request,
                                                             v1::PinMessageResponse* response) {
  return Unary(runtime_, context, request, response, &v1::PinMessageResponse::mutable_message,
               [this](const std::string& caller, const v1::PinMessageRequest& req) {
                 return Gated(use_.direct, caller, req.chat_id(),
                              [&] { return use_.actions.Pin(caller, req); });
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::VotePoll(::grpc::CallbackServerContext* context,
                                                           const v1::VotePollRequest* request,
                                                           v1::VotePollResponse* response) {
  return Unary(runtime_, context, request, response, &v1::VotePollResponse::mutable_message,
               [this](const std::string& caller, const v1::VotePollRequest& req) {
                 return Gated(use_.direct, caller, req.chat_id(),
                              [&] { return use_.actions.Vote(caller, req); });
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ClosePoll(::grpc::CallbackServerContext* context,
                                                            const v1::ClosePollRequest* request,
                                                            v1::ClosePollResponse* response) {
  return Unary(runtime_, context, request, response, &v1::ClosePollResponse::mutable_message,
               [this](const std::string& caller, const v1::ClosePollRequest& req) {
                 return Gated(use_.direct, caller, req.chat_id(),
                              [&] { return use_.actions.ClosePoll(caller, req); });
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::AcknowledgeMessage(
    ::grpc::CallbackServerContext* context, const v1::AcknowledgeMessageRequest* request,
    v1::AcknowledgeMessageResponse* response) {
  return Unary(runtime_, context, request, response,
               &v1::AcknowledgeMessageResponse::mutable_message,
               [this](const std::string& caller, const v1::AcknowledgeMessageRequest& req) {
                 return use_.actions.Acknowledge(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListAcknowledgements(
    ::grpc::CallbackServerContext* context, const v1::ListAcknowledgementsRequest* request,
    v1::ListAcknowledgementsResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::ListAcknowledgementsRequest& req) {
                 return use_.actions.ListAcknowledgements(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ReportMessage(
    ::grpc::CallbackServerContext* context, const v1::ReportMessageRequest* request,
    v1::ReportMessageResponse* response) {
  return Unary(runtime_, context, request, response, &v1::ReportMessageResponse::mutable_report,
               [this](const std::string& caller, const v1::ReportMessageRequest& req) {
                 return use_.moderation.Report(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListModerationLog(
    ::grpc::CallbackServerContext* context, const v1::ListModerationLogRequest* request,
    v1::ListModerationLogResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListModerationLogRequest& req,
                               v1::ListModerationLogResponse& resp) {
                          return Answer(use_.moderation.ListLog(*call.caller, req), resp);
                        });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::OpenSupportChat(
    ::grpc::CallbackServerContext* context, const v1::OpenSupportChatRequest* request,
    v1::OpenSupportChatResponse* response) {
  return Unary(runtime_, context, request, response, &v1::OpenSupportChatResponse::mutable_chat,
               [this](const std::string& caller, const v1::OpenSupportChatRequest& req) {
                 return use_.support.Open(caller, req.school_id());
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListSupportChats(
    ::grpc::CallbackServerContext* context, const v1::ListSupportChatsRequest* request,
    v1::ListSupportChatsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListSupportChatsRequest& req,
                               v1::ListSupportChatsResponse& resp) {
                          return Answer(use_.support.List(*call.caller, req), resp);
                        });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::JoinSupportChat(
    ::grpc::CallbackServerContext* context, const v1::JoinSupportChatRequest* request,
    v1::JoinSupportChatResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::JoinSupportChatRequest& req,
                               v1::JoinSupportChatResponse& resp) {
                          return Answer(use_.support.Join(*call.caller, req.chat_id()),
                                        *resp.mutable_chat());
                        });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListReports(
    ::grpc::CallbackServerContext* context, const v1::ListReportsRequest* request,
    v1::ListReportsResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::ListReportsRequest& req) {
                 return use_.moderation.ListReports(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ResolveReport(
    ::grpc::CallbackServerContext* context, const v1::ResolveReportRequest* request,
    v1::ResolveReportResponse* response) {
  return Unary(runtime_, context, request, response, &v1::ResolveReportResponse::mutable_report,
               [this](const std::string& caller, const v1::ResolveReportRequest& req) {
                 return use_.moderation.Resolve(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::MuteMember(::grpc::CallbackServerContext* context,
                                                             const v1::MuteMemberRequest* request,
                                                             v1::MuteMemberResponse* response) {
  return Unary(runtime_, context, request, response, &v1::MuteMemberResponse::mutable_member,
               [this](const std::string& caller, const v1::MuteMemberRequest& req) {
                 return use_.moderation.Mute(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::CreateGroupChat(
    ::grpc::CallbackServerContext* context, const v1::CreateGroupChatRequest* request,
    v1::CreateGroupChatResponse* response) {
  return Unary(runtime_, context, request, response, &v1::CreateGroupChatResponse::mutable_chat,
               [this](const std::string& caller, const v1::CreateGroupChatRequest& req) {
                 return use_.admin.CreateGroup(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::OpenDirectChat(
    ::grpc::CallbackServerContext* context, const v1::OpenDirectChatRequest* request,
    v1::OpenDirectChatResponse* response) {
  return Unary(runtime_, context, request, response, &v1::OpenDirectChatResponse::mutable_chat,
               [this](const std::string& caller, const v1::OpenDirectChatRequest& req) {
                 return use_.admin.OpenDirect(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ListChatMembers(
    ::grpc::CallbackServerContext* context, const v1::ListChatMembersRequest* request,
    v1::ListChatMembersResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::ListChatMembersRequest& req) {
                 return use_.admin.ListMembers(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::AddChatMembers(
    ::grpc::CallbackServerContext* context, const v1::AddChatMembersRequest* request,
    v1::AddChatMembersResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::AddChatMembersRequest& req) {
                 return use_.admin.AddMembers(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::RemoveChatMember(
    ::grpc::CallbackServerContext* context, const v1::RemoveChatMemberRequest* request,
    v1::RemoveChatMemberResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::RemoveChatMemberRequest& req)
                   -> absl::StatusOr<v1::RemoveChatMemberResponse> {
                 RETURN_IF_ERROR(use_.admin.RemoveMember(caller, req));
                 return v1::RemoveChatMemberResponse();
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::SetChatMemberRole(
    ::grpc::CallbackServerContext* context, const v1::SetChatMemberRoleRequest* request,
    v1::SetChatMemberRoleResponse* response) {
  return Unary(runtime_, context, request, response, &v1::SetChatMemberRoleResponse::mutable_member,
               [this](const std::string& caller, const v1::SetChatMemberRoleRequest& req) {
                 return use_.admin.SetMemberRole(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::UpdateChat(::grpc::CallbackServerContext* context,
                                                             const v1::UpdateChatRequest* request,
                                                             v1::UpdateChatResponse* response) {
  return Unary(runtime_, context, request, response, &v1::UpdateChatResponse::mutable_chat,
               [this](const std::string& caller, const v1::UpdateChatRequest& req) {
                 return use_.admin.Update(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::SearchMessages(
    ::grpc::CallbackServerContext* context, const v1::SearchMessagesRequest* request,
    v1::SearchMessagesResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::SearchMessagesRequest& req) {
                 return use_.search.Messages(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::Sync(::grpc::CallbackServerContext* context,
                                                       const v1::SyncRequest* request,
                                                       v1::SyncResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::SyncRequest& req) {
                 return use_.inbox.Sync(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::PostCallNotice(
    ::grpc::CallbackServerContext* context, const v1::PostCallNoticeRequest* request,
    v1::PostCallNoticeResponse* response) {
  // ACCESS_INTERNAL: the runtime admits only service tokens; the notice is the author's, not
  // the calling service's.
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::PostCallNoticeRequest& req,
                               v1::PostCallNoticeResponse& resp) {
                          return Answer(use_.messages.PostCallNotice(req), *resp.mutable_message());
                        });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::PostJournalNotice(
    ::grpc::CallbackServerContext* context, const v1::PostJournalNoticeRequest* request,
    v1::PostJournalNoticeResponse* response) {
  // ACCESS_INTERNAL: the caller is an API client, and the notice is its own.
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::PostJournalNoticeRequest& req,
             v1::PostJournalNoticeResponse& resp) {
        return Answer(use_.messages.PostJournalNotice(*call.caller, req), *resp.mutable_message());
      });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::CheckAttachmentAccess(
    ::grpc::CallbackServerContext* context, const v1::CheckAttachmentAccessRequest* request,
    v1::CheckAttachmentAccessResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const std::string& caller, const v1::CheckAttachmentAccessRequest& req) {
                 return use_.attachment_access.Check(caller, req);
               });
}

::grpc::ServerUnaryReactor* MessagingGrpcService::ExportAuthorData(
    ::grpc::CallbackServerContext* context, const v1::ExportAuthorDataRequest* request,
    v1::ExportAuthorDataResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::ExportAuthorDataRequest& req,
                               v1::ExportAuthorDataResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(resp, use_.person_export.Page(req));
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* SubscriptionGrpcService::ListMySubscriptions(
    ::grpc::CallbackServerContext* context, const events::v1::ListMySubscriptionsRequest* request,
    events::v1::ListMySubscriptionsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const events::v1::ListMySubscriptionsRequest& req,
             events::v1::ListMySubscriptionsResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(resp, inbox_.ChannelsOf(call.user_id(), req));
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
