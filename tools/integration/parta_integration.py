#!/usr/bin/python3
"""parta-integration: a small client of Parta's gRPC API for regional systems (e-journals,
education platforms), meant to be read and copied. It needs only Debian's python3-grpcio and
python3-protobuf and Parta's descriptor set (build/proto/parta.binpb): no generated code.

It speaks gRPC over mutual TLS: the client certificate an operator bound to the API client
(SetApiClientCertificate), verified against Parta's CA, and a service token of the
client-credentials grant, which is bound to that certificate and good only with it.

    parta_integration.py [connection] token
    parta_integration.py [connection] roster-sync roster.json [--dry-run] [--remove-missing]
    parta_integration.py [connection] notice --school ID --class ID --journal-id ID \
        --kind homework --subject Алгебра --text "№ 245, 247" [--due-date 2026-12-09] \
        [--parents | --pupil ID]
    parta_integration.py [connection] events --school ID [--after N]
    parta_integration.py [connection] call parta.directory.v1.DirectoryService/ListEvents '{"schoolId": "…"}'

The roster file is a SyncRosterRequest in proto3 JSON: {"schoolId", "academicYear", "classes":
[{"externalId", "name", "teacherExternalId"}], "people": [{"externalId", "role": "ROLE_STUDENT",
"lastName", "firstName", "middleName", "birthDate", "classExternalId", "childExternalIds"}]}.

Connection: --address HOST:PORT (a service's gRPC port: the directory for rosters and events,
messaging for notices), --identity HOST:PORT (where tokens come from; default: --address), --ca, --cert, --key
(PEM files; --plaintext for a development machine without TLS), --descriptors FILE. The client id
and secret come from PARTA_CLIENT_ID and PARTA_CLIENT_SECRET (never from the command line,
where other users of the machine would see them), the wanted scopes from --scope.

Output is JSON (one object per line for `events`); errors go to stderr with the gRPC code and
Parta's stable reason, and the exit status is 1.
"""

import argparse
import json
import os
import sys

import grpc
from google.protobuf import descriptor_pb2, json_format, message_factory

IDENTITY = "parta.identity.v1.IdentityService"
DIRECTORY = "parta.directory.v1.DirectoryService"
MESSAGING = "parta.messaging.v1.MessagingService"
NOTICE_KINDS = {"homework": "JOURNAL_NOTICE_KIND_HOMEWORK", "grade": "JOURNAL_NOTICE_KIND_GRADE",
                "attendance": "JOURNAL_NOTICE_KIND_ATTENDANCE"}


class ApiError(Exception):
    """A failed call: the gRPC code, Parta's ErrorInfo reason and the message."""

    def __init__(self, code, reason, message):
        super().__init__(f"{code.name} {reason}: {message}")
        self.code = code
        self.reason = reason
        self.message = message


class Parta:
    """Calls Parta's RPCs by name with dicts (proto3 JSON) or messages, from a descriptor set."""

    _loaded = {}  # descriptor set path → (messages, methods): protobuf's pool takes a file once

    def __init__(self, descriptors, address, ca=None, cert=None, key=None, plaintext=False):
        if descriptors not in Parta._loaded:
            with open(descriptors, "rb") as f:
                files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
            methods = {}
            for file in files.file:
                for service in file.service:
                    for method in service.method:
                        name = f"{file.package}.{service.name}/{method.name}"
                        methods[name] = (method.input_type.lstrip("."),
                                         method.output_type.lstrip("."))
            Parta._loaded[descriptors] = (message_factory.GetMessages(files.file), methods)
        self.messages, self.methods = Parta._loaded[descriptors]
        self.channel = self._channel(address, ca, cert, key, plaintext)

    @staticmethod
    def _channel(address, ca, cert, key, plaintext):
        if plaintext:
            return grpc.insecure_channel(address)

        def read(path):
            if not path:
                return None
            with open(path, "rb") as f:
                return f.read()

        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(ca), private_key=read(key), certificate_chain=read(cert))
        return grpc.secure_channel(address, credentials)

    def close(self):
        self.channel.close()

    def call(self, method, request=None, token=None, timeout=30):
        """Calls `method` ("parta.directory.v1.DirectoryService/ListEvents") with `request` (a
        dict in proto3 JSON form, or a message) and returns the response message."""
        if method not in self.methods:
            raise ValueError(f"unknown method {method}")
        request_type, response_type = self.methods[method]
        if not isinstance(request, self.messages[request_type]):
            request = json_format.ParseDict(request or {}, self.messages[request_type]())
        stub = self.channel.unary_unary(
            "/" + method,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=self.messages[response_type].FromString)
        metadata = (("authorization", "Bearer " + token),) if token else ()
        try:
            return stub(request, metadata=metadata, timeout=timeout)
        except grpc.RpcError as error:
            raise ApiError(error.code(), self.reason_of(error), error.details()) from None

    def reason_of(self, error):
        """Parta's stable reason from the grpc-status-details-bin trailer ("" when absent)."""
        for key, value in error.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                status = self.messages["google.rpc.Status"].FromString(value)
                for detail in status.details:
                    info = self.messages["google.rpc.ErrorInfo"]()
                    if detail.Unpack(info):
                        return info.reason
        return ""

    def token(self, client_id, client_secret, scopes=()):
        """A service token of the client-credentials grant (ask identity's address)."""
        response = self.call(f"{IDENTITY}/IssueServiceToken",
                             {"clientId": client_id, "clientSecret": client_secret,
                              "scopes": list(scopes)})
        return response.access_token

    def sync_roster(self, token, roster, dry_run=False, remove_missing=False):
        """Syncs a roster (a SyncRosterRequest as a dict) into a school; returns the report."""
        request = dict(roster, dryRun=dry_run, removeMissing=remove_missing)
        return self.call(f"{DIRECTORY}/SyncRoster", request, token=token, timeout=300)

    def post_notice(self, token, school_id, class_id, journal_id, kind, text, subject="",
                    due_date="", parents=False, pupil_id=""):
        """Posts a journal notice into a class's chat, its parents' chat (`parents`) or to one
        pupil's parents alone (`pupil_id`, a student of the class); the same journal_id posts
        once. Returns the message."""
        audience = ("JOURNAL_AUDIENCE_FAMILY" if pupil_id else
                    "JOURNAL_AUDIENCE_PARENTS" if parents else "JOURNAL_AUDIENCE_CLASS")
        return self.call(f"{MESSAGING}/PostJournalNotice", {
            "schoolId": school_id, "classId": class_id, "journalId": journal_id,
            "audience": audience, "pupilId": pupil_id,
            "notice": {"kind": NOTICE_KINDS[kind], "subject": subject, "text": text,
                       "dueDate": due_date}}, token=token).message

    def events(self, token, school_id, after_sequence=0, page_size=500):
        """Every event of the school after `after_sequence`, in order, page after page."""
        while True:
            page = self.call(f"{DIRECTORY}/ListEvents",
                             {"schoolId": school_id, "afterSequence": str(after_sequence),
                              "pageSize": page_size}, token=token)
            for event in page.events:
                yield event
                after_sequence = event.sequence
            if not page.has_more:
                return


def as_json(message):
    return json.dumps(json_format.MessageToDict(message), ensure_ascii=False)


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", required=True, help="HOST:PORT of the service to call")
    parser.add_argument("--identity", help="HOST:PORT of identity (tokens); default --address")
    parser.add_argument("--descriptors",
                        default=os.path.join(here, "..", "..", "build", "proto", "parta.binpb"))
    parser.add_argument("--ca", help="PEM CA bundle that verifies Parta's servers")
    parser.add_argument("--cert", help="PEM client certificate (mutual TLS)")
    parser.add_argument("--key", help="PEM private key of the client certificate")
    parser.add_argument("--plaintext", action="store_true", help="no TLS (development only)")
    parser.add_argument("--scope", action="append", default=[], help="a scope to ask for")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("token", help="print a service token")
    sync = commands.add_parser("roster-sync", help="sync a roster file into a school")
    sync.add_argument("file", help="a SyncRosterRequest in proto3 JSON")
    sync.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    sync.add_argument("--remove-missing", action="store_true",
                      help="remove the people earlier syncs brought and this file does not list")
    notice = commands.add_parser("notice", help="post a journal notice into a class's chat")
    notice.add_argument("--school", required=True)
    notice.add_argument("--class", dest="class_id", required=True)
    notice.add_argument("--journal-id", required=True, help="the journal's own id: posts once")
    notice.add_argument("--kind", choices=sorted(NOTICE_KINDS), default="homework")
    notice.add_argument("--subject", default="")
    notice.add_argument("--text", required=True)
    notice.add_argument("--due-date", default="", help="YYYY-MM-DD")
    audience = notice.add_mutually_exclusive_group()
    audience.add_argument("--parents", action="store_true", help="the parents' chat of the class")
    audience.add_argument("--pupil", default="",
                          help="a pupil of the class (account id): to his parents alone")
    events = commands.add_parser("events", help="print a school's directory events as JSON lines")
    events.add_argument("--school", required=True)
    events.add_argument("--after", type=int, default=0, help="the last sequence already seen")
    call = commands.add_parser("call", help="call any RPC with a JSON request")
    call.add_argument("method", help="package.Service/Method")
    call.add_argument("request", nargs="?", default="{}", help="the request as proto3 JSON")
    args = parser.parse_args(argv)

    connection = dict(ca=args.ca, cert=args.cert, key=args.key, plaintext=args.plaintext)
    client_id = os.environ.get("PARTA_CLIENT_ID", "")
    client_secret = os.environ.get("PARTA_CLIENT_SECRET", "")
    try:
        identity = Parta(args.descriptors, args.identity or args.address, **connection)
        token = identity.token(client_id, client_secret, args.scope)
        identity.close()
        if args.command == "token":
            print(token)
            return 0
        parta = Parta(args.descriptors, args.address, **connection)
        if args.command == "roster-sync":
            with open(args.file, encoding="utf-8") as f:
                roster = json.load(f)
            print(as_json(parta.sync_roster(token, roster, args.dry_run, args.remove_missing)))
        elif args.command == "notice":
            print(as_json(parta.post_notice(token, args.school, args.class_id, args.journal_id,
                                            args.kind, args.text, args.subject, args.due_date,
                                            args.parents, args.pupil)))
        elif args.command == "events":
            for event in parta.events(token, args.school, args.after):
                print(as_json(event), flush=True)
        else:
            print(as_json(parta.call(args.method, json.loads(args.request), token=token)))
        parta.close()
    except ApiError as error:
        print(f"parta-integration: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
