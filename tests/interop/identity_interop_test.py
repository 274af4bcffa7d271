#!/usr/bin/python3
"""Interop test: Debian's python3-grpcio, an independent gRPC implementation, talks to a real
identity service over TCP. It knows the API only from the descriptor set (no generated code):
health, reflection, Register, Login, GetMe, Refresh, and an error reason read from the standard
grpc-status-details-bin trailer.

Exit status: 0 passed, 1 failed, 77 skipped (no test database outside CI).
"""

import argparse
import os
import secrets
import sys
import tempfile

import grpc
from google.protobuf import descriptor_pb2, message_factory

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from running_services import Service, check, fail, test_servers  # noqa: E402


class Api:
    """Message classes and unary/stream callables built from a descriptor set."""

    def __init__(self, descriptor_path, channel):
        files = descriptor_pb2.FileDescriptorSet.FromString(open(descriptor_path, "rb").read())
        self.messages = message_factory.GetMessages(files.file)
        self.channel = channel

    def new(self, full_name, **fields):
        return self.messages[full_name](**fields)

    def unary(self, method, request, response_type, metadata=()):
        call = self.channel.unary_unary(
            method,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=self.messages[response_type].FromString)
        return call(request, metadata=metadata, timeout=10)

    def reason_of(self, error):
        for key, value in error.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                status = self.new("google.rpc.Status")
                status.ParseFromString(value)
                for detail in status.details:
                    info = self.new("google.rpc.ErrorInfo")
                    if detail.Unpack(info):
                        return info.reason
        return ""


def run(api):
    health = api.unary("/grpc.health.v1.Health/Check",
                       api.new("grpc.health.v1.HealthCheckRequest", service=""),
                       "grpc.health.v1.HealthCheckResponse")
    check(health.status == 1, "health reports SERVING")

    reflect = api.channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=api.messages[
            "grpc.reflection.v1alpha.ServerReflectionResponse"].FromString)
    requests = [
        api.new("grpc.reflection.v1alpha.ServerReflectionRequest", list_services=""),
        api.new("grpc.reflection.v1alpha.ServerReflectionRequest",
                file_containing_symbol="parta.identity.v1.IdentityService"),
    ]
    listed, described = list(reflect(iter(requests), timeout=10))
    names = [s.name for s in listed.list_services_response.service]
    check("parta.identity.v1.IdentityService" in names, "reflection lists IdentityService")
    file = descriptor_pb2.FileDescriptorProto.FromString(
        described.file_descriptor_response.file_descriptor_proto[0])
    methods = [m.name for s in file.service for m in s.method]
    check({"Register", "Login", "Refresh", "GetMe"} <= set(methods),
          "reflection describes Register, Login, Refresh and GetMe")

    password = "Жили-были дед да баба 1961"
    registered = api.unary(
        "/parta.identity.v1.IdentityService/Register",
        api.new("parta.identity.v1.RegisterRequest", email="Interop@School.ru",
                password=password, display_name="Ольга Сергеевна"),
        "parta.identity.v1.RegisterResponse")
    check(registered.account.email == "interop@school.ru", "register normalises the e-mail")

    try:
        api.unary("/parta.identity.v1.IdentityService/Register",
                  api.new("parta.identity.v1.RegisterRequest", email="interop@school.ru",
                          password=password, display_name="Ольга"),
                  "parta.identity.v1.RegisterResponse")
        fail("a duplicate registration succeeded")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.ALREADY_EXISTS, "a duplicate is ALREADY_EXISTS")
        check(api.reason_of(error) == "ACCOUNT_EXISTS", "its ErrorInfo reason is ACCOUNT_EXISTS")

    pair = api.unary("/parta.identity.v1.IdentityService/Login",
                     api.new("parta.identity.v1.LoginRequest", login="interop@school.ru",
                             password=password, device="python interop"),
                     "parta.identity.v1.LoginResponse").tokens
    check(pair.access_token.count(".") == 2, "login returns a JWT access token")

    me = api.unary("/parta.identity.v1.IdentityService/GetMe",
                   api.new("parta.identity.v1.GetMeRequest"), "parta.identity.v1.GetMeResponse",
                   metadata=(("authorization", "Bearer " + pair.access_token),)).account
    check(me.id == registered.account.id and me.display_name == "Ольга Сергеевна",
          "GetMe returns the caller's account")

    renewed = api.unary("/parta.identity.v1.IdentityService/Refresh",
                        api.new("parta.identity.v1.RefreshRequest",
                                refresh_token=pair.refresh_token),
                        "parta.identity.v1.RefreshResponse").tokens
    check(renewed.refresh_token != pair.refresh_token, "refresh rotates the refresh token")

    try:
        api.unary("/parta.identity.v1.IdentityService/GetMe",
                  api.new("parta.identity.v1.GetMeRequest"), "parta.identity.v1.GetMeResponse")
        fail("GetMe without a token succeeded")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.UNAUTHENTICATED,
              "GetMe without a token is UNAUTHENTICATED")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--identity", required=True)
    parser.add_argument("--descriptors", required=True)
    args = parser.parse_args()
    test_servers()
    with tempfile.TemporaryDirectory() as workdir:
        key_file = os.path.join(workdir, "master.key")
        with open(key_file, "w") as f:
            f.write(secrets.token_hex(32))
        identity = Service("identity", args.identity, workdir, dict(
            PARTA_IDENTITY_MASTER_KEY_FILE=key_file, PARTA_ARGON2_ITERATIONS="1",
            PARTA_ARGON2_MEMORY_KIB="64"))
        try:
            identity.start()
            with grpc.insecure_channel(identity.address) as channel:
                run(Api(args.descriptors, channel))
            check(identity.stop(), "identity drains and exits 0 on SIGTERM")
        finally:
            identity.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
