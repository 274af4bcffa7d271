#pragma once

// gRPC face of signaling: SignalingService for clients (through the gateway). The caller is
// the verified token's subject; his token goes on to messaging, which says what he may see.

#include "libs/grpc/call.h"
#include "parta/signaling/v1/signaling.grpc.pb.h"
#include "services/signaling/calls/calls.h"

namespace parta::signaling {

class SignalingGrpcService final : public v1::SignalingService::CallbackService {
 public:
  SignalingGrpcService(Calls& calls, grpc::RpcRuntime& runtime)
      : calls_(calls), runtime_(runtime) {}

  ::grpc::ServerUnaryReactor* StartCall(::grpc::CallbackServerContext* context,
                                        const v1::StartCallRequest* request,
                                        v1::StartCallResponse* response) override;
  ::grpc::ServerUnaryReactor* GetLiveCall(::grpc::CallbackServerContext* context,
                                          const v1::GetLiveCallRequest* request,
                                          v1::GetLiveCallResponse* response) override;
  ::grpc::ServerUnaryReactor* GetCall(::grpc::CallbackServerContext* context,
                                      const v1::GetCallRequest* request,
                                      v1::GetCallResponse* response) override;
  ::grpc::ServerUnaryReactor* JoinCall(::grpc::CallbackServerContext* context,
                                       const v1::JoinCallRequest* request,
                                       v1::JoinCallResponse* response) override;
  ::grpc::ServerUnaryReactor* LeaveCall(::grpc::CallbackServerContext* context,
                                        const v1::LeaveCallRequest* request,
                                        v1::LeaveCallResponse* response) override;
  ::grpc::ServerUnaryReactor* EndCall(::grpc::CallbackServerContext* context,
                                      const v1::EndCallRequest* request,
                                      v1::EndCallResponse* response) override;
  ::grpc::ServerUnaryReactor* Heartbeat(::grpc::CallbackServerContext* context,
                                        const v1::HeartbeatRequest* request,
                                        v1::HeartbeatResponse* response) override;
  ::grpc::ServerUnaryReactor* SendSignal(::grpc::CallbackServerContext* context,
                                         const v1::SendSignalRequest* request,
                                         v1::SendSignalResponse* response) override;
  ::grpc::ServerUnaryReactor* SetMediaState(::grpc::CallbackServerContext* context,
                                            const v1::SetMediaStateRequest* request,
                                            v1::SetMediaStateResponse* response) override;
  ::grpc::ServerUnaryReactor* GetIceServers(::grpc::CallbackServerContext* context,
                                            const v1::GetIceServersRequest* request,
                                            v1::GetIceServersResponse* response) override;
  ::grpc::ServerUnaryReactor* PublishMedia(::grpc::CallbackServerContext* context,
                                           const v1::PublishMediaRequest* request,
                                           v1::PublishMediaResponse* response) override;
  ::grpc::ServerUnaryReactor* SubscribeMedia(::grpc::CallbackServerContext* context,
                                             const v1::SubscribeMediaRequest* request,
                                             v1::SubscribeMediaResponse* response) override;
  ::grpc::ServerUnaryReactor* AnswerSubscription(::grpc::CallbackServerContext* context,
                                                 const v1::AnswerSubscriptionRequest* request,
                                                 v1::AnswerSubscriptionResponse* response) override;
  ::grpc::ServerUnaryReactor* TrickleMedia(::grpc::CallbackServerContext* context,
                                           const v1::TrickleMediaRequest* request,
                                           v1::TrickleMediaResponse* response) override;
  ::grpc::ServerUnaryReactor* ModerateParticipant(
      ::grpc::CallbackServerContext* context, const v1::ModerateParticipantRequest* request,
      v1::ModerateParticipantResponse* response) override;
  ::grpc::ServerUnaryReactor* SetCallControls(::grpc::CallbackServerContext* context,
                                              const v1::SetCallControlsRequest* request,
                                              v1::SetCallControlsResponse* response) override;
  ::grpc::ServerUnaryReactor* MuteEveryone(::grpc::CallbackServerContext* context,
                                           const v1::MuteEveryoneRequest* request,
                                           v1::MuteEveryoneResponse* response) override;
  ::grpc::ServerUnaryReactor* AdmitParticipant(::grpc::CallbackServerContext* context,
                                               const v1::AdmitParticipantRequest* request,
                                               v1::AdmitParticipantResponse* response) override;
  ::grpc::ServerUnaryReactor* ExportAttendance(::grpc::CallbackServerContext* context,
                                               const v1::ExportAttendanceRequest* request,
                                               api::v1::HttpBody* response) override;
  ::grpc::ServerUnaryReactor* CreateGuestLink(::grpc::CallbackServerContext* context,
                                              const v1::CreateGuestLinkRequest* request,
                                              v1::CreateGuestLinkResponse* response) override;
  ::grpc::ServerUnaryReactor* JoinAsGuest(::grpc::CallbackServerContext* context,
                                          const v1::JoinAsGuestRequest* request,
                                          v1::JoinAsGuestResponse* response) override;

 private:
  Calls& calls_;
  grpc::RpcRuntime& runtime_;
};

}  // namespace parta::signaling
