#include "services/signaling/api/signaling_grpc.h"

#include "libs/core/status.h"

namespace parta::signaling {
namespace {

// A unary call of a signed-in person: `handler(caller, request, response)` fills the response.
template <typename Request, typename Response, typename Handler>
::grpc::ServerUnaryReactor* Unary(grpc::RpcRuntime& runtime, ::grpc::CallbackServerContext* context,
                                  const Request* request, Response* response, Handler handler) {
  return runtime.Serve(context, request, response,
                       [handler = std::move(handler)](const grpc::CallContext& call,
                                                      const Request& req, Response& resp) {
                         const Caller caller{.user_id = call.user_id(),
                                             .bearer = call.bearer_token};
                         return handler(caller, req, resp);
                       });
}

}  // namespace

::grpc::ServerUnaryReactor* SignalingGrpcService::StartCall(::grpc::CallbackServerContext* context,
                                                            const v1::StartCallRequest* request,
                                                            v1::StartCallResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::StartCallRequest& req,
                      v1::StartCallResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(resp, calls_.Start(caller, req));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::GetLiveCall(
    ::grpc::CallbackServerContext* context, const v1::GetLiveCallRequest* request,
    v1::GetLiveCallResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::GetLiveCallRequest& req,
                      v1::GetLiveCallResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(*resp.mutable_call(), calls_.GetLive(caller, req.chat_id()));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::GetCall(::grpc::CallbackServerContext* context,
                                                          const v1::GetCallRequest* request,
                                                          v1::GetCallResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::GetCallRequest& req,
                      v1::GetCallResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(*resp.mutable_call(), calls_.Get(caller, req.call_id()));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::JoinCall(::grpc::CallbackServerContext* context,
                                                           const v1::JoinCallRequest* request,
                                                           v1::JoinCallResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::JoinCallRequest& req,
                      v1::JoinCallResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(resp, calls_.Join(caller, req.call_id()));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::LeaveCall(::grpc::CallbackServerContext* context,
                                                            const v1::LeaveCallRequest* request,
                                                            v1::LeaveCallResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::LeaveCallRequest& req,
                      v1::LeaveCallResponse&) { return calls_.Leave(caller, req.call_id()); });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::EndCall(::grpc::CallbackServerContext* context,
                                                          const v1::EndCallRequest* request,
                                                          v1::EndCallResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::EndCallRequest& req,
                      v1::EndCallResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(*resp.mutable_call(), calls_.End(caller, req.call_id()));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::Heartbeat(::grpc::CallbackServerContext* context,
                                                            const v1::HeartbeatRequest* request,
                                                            v1::HeartbeatResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::HeartbeatRequest& req,
                      v1::HeartbeatResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(resp, calls_.Heartbeat(caller, req.call_id()));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::SendSignal(::grpc::CallbackServerContext* context,
                                                             const v1::SendSignalRequest* request,
                                                             v1::SendSignalResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::SendSignalRequest& req,
                      v1::SendSignalResponse&) { return calls_.SendSignal(caller, req); });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::SetMediaState(
    ::grpc::CallbackServerContext* context, const v1::SetMediaStateRequest* request,
    v1::SetMediaStateResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::SetMediaStateRequest& req,
                      v1::SetMediaStateResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(*resp.mutable_participant(), calls_.SetMediaState(caller, req));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::GetIceServers(
    ::grpc::CallbackServerContext* context, const v1::GetIceServersRequest* request,
    v1::GetIceServersResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::GetIceServersRequest& req,
                      v1::GetIceServersResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(resp, calls_.IceServersFor(caller, req.call_id()));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::PublishMedia(
    ::grpc::CallbackServerContext* context, const v1::PublishMediaRequest* request,
    v1::PublishMediaResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::PublishMediaRequest& req,
                      v1::PublishMediaResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(*resp.mutable_answer(), calls_.Publish(caller, req));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::SubscribeMedia(
    ::grpc::CallbackServerContext* context, const v1::SubscribeMediaRequest* request,
    v1::SubscribeMediaResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::SubscribeMediaRequest& req,
                      v1::SubscribeMediaResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(resp, calls_.Subscribe(caller, req));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::AnswerSubscription(
    ::grpc::CallbackServerContext* context, const v1::AnswerSubscriptionRequest* request,
    v1::AnswerSubscriptionResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::AnswerSubscriptionRequest& req,
                      v1::AnswerSubscriptionResponse&) {
                 return calls_.AnswerSubscription(caller, req);
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::TrickleMedia(
    ::grpc::CallbackServerContext* context, const v1::TrickleMediaRequest* request,
    v1::TrickleMediaResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::TrickleMediaRequest& req,
                      v1::TrickleMediaResponse&) { return calls_.Trickle(caller, req); });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::ModerateParticipant(
    ::grpc::CallbackServerContext* context, const v1::ModerateParticipantRequest* request,
    v1::ModerateParticipantResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::ModerateParticipantRequest& req,
                      v1::ModerateParticipantResponse&) { return calls_.Moderate(caller, req); });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::SetCallControls(
    ::grpc::CallbackServerContext* context, const v1::SetCallControlsRequest* request,
    v1::SetCallControlsResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::SetCallControlsRequest& req,
                      v1::SetCallControlsResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(*resp.mutable_call(), calls_.SetControls(caller, req));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::MuteEveryone(
    ::grpc::CallbackServerContext* context, const v1::MuteEveryoneRequest* request,
    v1::MuteEveryoneResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::MuteEveryoneRequest& req,
                      v1::MuteEveryoneResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(std::vector<std::string> muted,
                                  calls_.MuteEveryone(caller, req.call_id()));
                 for (std::string& user_id : muted) resp.add_muted_user_ids(std::move(user_id));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::AdmitParticipant(
    ::grpc::CallbackServerContext* context, const v1::AdmitParticipantRequest* request,
    v1::AdmitParticipantResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::AdmitParticipantRequest& req,
                      v1::AdmitParticipantResponse&) { return calls_.Admit(caller, req); });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::ExportAttendance(
    ::grpc::CallbackServerContext* context, const v1::ExportAttendanceRequest* request,
    api::v1::HttpBody* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::ExportAttendanceRequest& req,
                      api::v1::HttpBody& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(resp, calls_.ExportAttendance(caller, req.call_id()));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::CreateGuestLink(
    ::grpc::CallbackServerContext* context, const v1::CreateGuestLinkRequest* request,
    v1::CreateGuestLinkResponse* response) {
  return Unary(runtime_, context, request, response,
               [this](const Caller& caller, const v1::CreateGuestLinkRequest& req,
                      v1::CreateGuestLinkResponse& resp) -> absl::Status {
                 ASSIGN_OR_RETURN(resp, calls_.CreateGuestLink(caller, req));
                 return absl::OkStatus();
               });
}

::grpc::ServerUnaryReactor* SignalingGrpcService::JoinAsGuest(
    ::grpc::CallbackServerContext* context, const v1::JoinAsGuestRequest* request,
    v1::JoinAsGuestResponse* response) {
  // A public RPC: the code is the only credential, whoever calls.
  return runtime_.Serve(context, request, response,
                        [this](const grpc::CallContext&, const v1::JoinAsGuestRequest& req,
                               v1::JoinAsGuestResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(resp, calls_.JoinAsGuest(req));
                          return absl::OkStatus();
                        });
}

}  // namespace parta::signaling
