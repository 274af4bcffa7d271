#pragma once

// gRPC face of messaging: MessagingService for clients (through the gateway), and the two
// services the gateway calls for sockets: SubscriptionService (the chats a user's sockets
// follow) and ClientSignalService (typing, acknowledgements). The caller is the verified token's
// subject, except in PostCallNotice: Parta's own services (a service token) post call notices in
// the name of the account the request names; and PostJournalNotice, whose author is the calling
// API client (an e-journal).

#include "libs/grpc/call.h"
#include "libs/redis/client.h"
#include "parta/events/v1/events.grpc.pb.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"
#include "services/messaging/chats/attachment_access.h"
#include "services/messaging/chats/chat_admin.h"
#include "services/messaging/chats/direct_chats.h"
#include "services/messaging/chats/inbox.h"
#include "services/messaging/chats/message_actions.h"
#include "services/messaging/chats/messages.h"
#include "services/messaging/chats/moderation.h"
#include "services/messaging/chats/person_export.h"
#include "services/messaging/chats/search.h"
#include "services/messaging/chats/send_batcher.h"
#include "services/messaging/chats/support_chats.h"
#include "services/messaging/content/content_attachments.h"

namespace parta::messaging {

// The use cases the API serves, by area.
struct MessagingUseCases {
  Messages& messages;
  SendBatcher& sends;
  Inbox& inbox;
  MessageActions& actions;
  Moderation& moderation;
  ChatAdmin& admin;
  Search& search;
  // Writes into direct chats: only while the two may contact each other.
  DirectChatGate& direct;
  // Attachments of a send, checked by the content service before the send's transaction.
  const ContentAttachments& content;
  // Who may read an attached content version (the content service asks).
  AttachmentAccess& attachment_access;
  // Schools' lines to the platform's support.
  SupportChats& support;
  // What a person wrote and did, for his data export (the content service asks).
  PersonExport& person_export;
};

class MessagingGrpcService final : public v1::MessagingService::CallbackService {
 public:
  MessagingGrpcService(MessagingUseCases use, grpc::RpcRuntime& runtime)
      : use_(use), runtime_(runtime) {}

  ::grpc::ServerUnaryReactor* ListChats(::grpc::CallbackServerContext* context,
                                        const v1::ListChatsRequest* request,
                                        v1::ListChatsResponse* response) override;
  ::grpc::ServerUnaryReactor* GetChat(::grpc::CallbackServerContext* context,
                                      const v1::GetChatRequest* request,
                                      v1::GetChatResponse* response) override;
  ::grpc::ServerUnaryReactor* SendMessage(::grpc::CallbackServerContext* context,
                                          const v1::SendMessageRequest* request,
                                          v1::SendMessageResponse* response) override;
  ::grpc::ServerUnaryReactor* ListMessages(::grpc::CallbackServerContext* context,
                                           const v1::ListMessagesRequest* request,
                                           v1::ListMessagesResponse* response) override;
  ::grpc::ServerUnaryReactor* EditMessage(::grpc::CallbackServerContext* context,
                                          const v1::EditMessageRequest* request,
                                          v1::EditMessageResponse* response) override;
  ::grpc::ServerUnaryReactor* DeleteMessage(::grpc::CallbackServerContext* context,
                                            const v1::DeleteMessageRequest* request,
                                            v1::DeleteMessageResponse* response) override;
  ::grpc::ServerUnaryReactor* MarkRead(::grpc::CallbackServerContext* context,
                                       const v1::MarkReadRequest* request,
                                       v1::MarkReadResponse* response) override;
  ::grpc::ServerUnaryReactor* ListChatChanges(::grpc::CallbackServerContext* context,
                                              const v1::ListChatChangesRequest* request,
                                              v1::ListChatChangesResponse* response) override;
  ::grpc::ServerUnaryReactor* ListMessageVersions(
      ::grpc::CallbackServerContext* context, const v1::ListMessageVersionsRequest* request,
      v1::ListMessageVersionsResponse* response) override;
  ::grpc::ServerUnaryReactor* ReactToMessage(::grpc::CallbackServerContext* context,
                                             const v1::ReactToMessageRequest* request,
                                             v1::ReactToMessageResponse* response) override;
  ::grpc::ServerUnaryReactor* PinMessage(::grpc::CallbackServerContext* context,
                                         const v1::PinMessageRequest* request,
                                         v1::PinMessageResponse* response) override;
  ::grpc::ServerUnaryReactor* VotePoll(::grpc::CallbackServerContext* context,
                                       const v1::VotePollRequest* request,
                                       v1::VotePollResponse* response) override;
  ::grpc::ServerUnaryReactor* ClosePoll(::grpc::CallbackServerContext* context,
                                        const v1::ClosePollRequest* request,
                                        v1::ClosePollResponse* response) override;
  ::grpc::ServerUnaryReactor* AcknowledgeMessage(::grpc::CallbackServerContext* context,
                                                 const v1::AcknowledgeMessageRequest* request,
                                                 v1::AcknowledgeMessageResponse* response) override;
  ::grpc::ServerUnaryReactor* ListAcknowledgements(
      ::grpc::CallbackServerContext* context, const v1::ListAcknowledgementsRequest* request,
      v1::ListAcknowledgementsResponse* response) override;
  ::grpc::ServerUnaryReactor* ReportMessage(::grpc::CallbackServerContext* context,
                                            const v1::ReportMessageRequest* request,
                                            v1::ReportMessageResponse* response) override;
  ::grpc::ServerUnaryReactor* ListModerationLog(::grpc::CallbackServerContext* context,
                                                const v1::ListModerationLogRequest* request,
                                                v1::ListModerationLogResponse* response) override;
  ::grpc::ServerUnaryReactor* OpenSupportChat(::grpc::CallbackServerContext* context,
                                              const v1::OpenSupportChatRequest* request,
                                              v1::OpenSupportChatResponse* response) override;
  ::grpc::ServerUnaryReactor* ListSupportChats(::grpc::CallbackServerContext* context,
                                               const v1::ListSupportChatsRequest* request,
                                               v1::ListSupportChatsResponse* response) override;
  ::grpc::ServerUnaryReactor* JoinSupportChat(::grpc::CallbackServerContext* context,
                                              const v1::JoinSupportChatRequest* request,
                                              v1::JoinSupportChatResponse* response) override;
  ::grpc::ServerUnaryReactor* ListReports(::grpc::CallbackServerContext* context,
                                          const v1::ListReportsRequest* request,
                                          v1::ListReportsResponse* response) override;
  ::grpc::ServerUnaryReactor* ResolveReport(::grpc::CallbackServerContext* context,
                                            const v1::ResolveReportRequest* request,
                                            v1::ResolveReportResponse* response) override;
  ::grpc::ServerUnaryReactor* MuteMember(::grpc::CallbackServerContext* context,
                                         const v1::MuteMemberRequest* request,
                                         v1::MuteMemberResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateGroupChat(::grpc::CallbackServerContext* context,
                                              const v1::CreateGroupChatRequest* request,
                                              v1::CreateGroupChatResponse* response) override;
  ::grpc::ServerUnaryReactor* OpenDirectChat(::grpc::CallbackServerContext* context,
                                             const v1::OpenDirectChatRequest* request,
                                             v1::OpenDirectChatResponse* response) override;
  ::grpc::ServerUnaryReactor* ListChatMembers(::grpc::CallbackServerContext* context,
                                              const v1::ListChatMembersRequest* request,
                                              v1::ListChatMembersResponse* response) override;
  ::grpc::ServerUnaryReactor* AddChatMembers(::grpc::CallbackServerContext* context,
                                             const v1::AddChatMembersRequest* request,
                                             v1::AddChatMembersResponse* response) override;
  ::grpc::ServerUnaryReactor* RemoveChatMember(::grpc::CallbackServerContext* context,
                                               const v1::RemoveChatMemberRequest* request,
                                               v1::RemoveChatMemberResponse* response) override;
  ::grpc::ServerUnaryReactor* SetChatMemberRole(::grpc::CallbackServerContext* context,
                                                const v1::SetChatMemberRoleRequest* request,
                                                v1::SetChatMemberRoleResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateChat(::grpc::CallbackServerContext* context,
                                         const v1::UpdateChatRequest* request,
                                         v1::UpdateChatResponse* response) override;
  ::grpc::ServerUnaryReactor* SearchMessages(::grpc::CallbackServerContext* context,
                                             const v1::SearchMessagesRequest* request,
                                             v1::SearchMessagesResponse* response) override;
  ::grpc::ServerUnaryReactor* Sync(::grpc::CallbackServerContext* context,
                                   const v1::SyncRequest* request,
                                   v1::SyncResponse* response) override;
  ::grpc::ServerUnaryReactor* PostCallNotice(::grpc::CallbackServerContext* context,
                                             const v1::PostCallNoticeRequest* request,
                                             v1::PostCallNoticeResponse* response) override;
  ::grpc::ServerUnaryReactor* PostJournalNotice(::grpc::CallbackServerContext* context,
                                                const v1::PostJournalNoticeRequest* request,
                                                v1::PostJournalNoticeResponse* response) override;
  ::grpc::ServerUnaryReactor* CheckAttachmentAccess(
      ::grpc::CallbackServerContext* context, const v1::CheckAttachmentAccessRequest* request,
      v1::CheckAttachmentAccessResponse* response) override;
  ::grpc::ServerUnaryReactor* ExportAuthorData(::grpc::CallbackServerContext* context,
                                               const v1::ExportAuthorDataRequest* request,
                                               v1::ExportAuthorDataResponse* response) override;

 private:
  MessagingUseCases use_;
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
