#!/usr/bin/python3
"""Interop test of the regional door: Debian's python3-grpcio, through the integration client in
tools/integration, reaches real identity, directory and messaging processes over gRPC with TLS,
the services talking to each other over mutual TLS. An e-journal's API client bound to a client
certificate and limited to one school gets a certificate-bound token, syncs the school's roster
(twice: the second changes nothing), posts homework that a pupil then reads in his class chat,
and reads the school's directory events from a cursor; another client's certificate, no
certificate, an expired one, plaintext, a missing scope and a school outside the client's limits
are refused with stable reasons; a renewed server certificate is served without a restart.

Exit status: 0 passed, 1 failed, 77 skipped (no test database outside CI).
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import grpc
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "integration"))
sys.path.insert(0, HERE)

from parta_integration import ApiError, Parta  # noqa: E402
from running_services import check, fail, test_servers  # noqa: E402
import running_services  # noqa: E402

PKI = os.path.join(ROOT, "tools", "tls", "parta-dev-pki")
IDENTITY = "parta.identity.v1.IdentityService"
DIRECTORY = "parta.directory.v1.DirectoryService"
MESSAGING = "parta.messaging.v1.MessagingService"
CLI = os.path.join(ROOT, "tools", "integration", "parta_integration.py")


def refused(call, code, reason, message):
    try:
        call()
    except ApiError as error:
        check(error.code == code and error.reason == reason,
              f"{message}: {code.name} {reason} (got {error.code.name} {error.reason})")
        return
    fail(f"{message}: the call succeeded")


def token_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def served_certificate_sha256(port):
    """SHA-256 of the certificate a fresh TLS handshake gets from 127.0.0.1:port."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def file_certificate_sha256(path):
    der = ssl.PEM_cert_to_DER_cert(open(path).read())
    return hashlib.sha256(der).hexdigest()


def run(args, pki):
    tls = {"PARTA_GRPC_TLS_CERT": f"{pki}/parta-services.pem",
           "PARTA_GRPC_TLS_KEY": f"{pki}/parta-services.key",
           "PARTA_GRPC_TLS_CA": f"{pki}/ca.pem",
           "PARTA_GRPC_TLS_RELOAD_INTERVAL": "1s"}
    key_file = os.path.join(pki, "master.key")
    with open(key_file, "w") as f:
        f.write(os.urandom(32).hex())
    events_key = f"parta:events:directory:interop:{os.getpid()}"
    identity = running_services.Service("identity", args.identity, pki, dict(
        tls, PARTA_IDENTITY_MASTER_KEY_FILE=key_file, PARTA_ARGON2_ITERATIONS="1",
        PARTA_ARGON2_MEMORY_KIB="64",
        PARTA_IDENTITY_EVENTS_KEY=f"parta:events:identity:interop:{os.getpid()}"))
    services = [identity]
    try:
        identity.start()
        password = "Пароль оператора 2026"
        identity.run(["create-operator", "operator@region.ru"], stdin=password + "\n")
        directory_client = identity.run(["create-service-client", "directory"]).split()[-2:]
        directory = running_services.Service("directory", args.directory, pki, dict(
            tls, PARTA_IDENTITY_ADDR=identity.address,
            PARTA_DIRECTORY_CLIENT_ID=directory_client[0],
            PARTA_DIRECTORY_CLIENT_SECRET=directory_client[1],
            PARTA_DIRECTORY_EVENTS_KEY=events_key))
        services.append(directory)
        directory.start()
        messaging_client = identity.run(["create-service-client", "messaging"]).split()[-2:]
        messaging = running_services.Service("messaging", args.messaging, pki, dict(
            tls, PARTA_IDENTITY_ADDR=identity.address, PARTA_DIRECTORY_ADDR=directory.address,
            PARTA_MESSAGING_CLIENT_ID=messaging_client[0],
            PARTA_MESSAGING_CLIENT_SECRET=messaging_client[1],
            PARTA_DIRECTORY_EVENTS_KEY=events_key))
        services.append(messaging)
        messaging.start()

        def connect(address, name=None, plaintext=False):
            certificate = dict(cert=f"{pki}/{name}.pem", key=f"{pki}/{name}.key") if name else {}
            return Parta(args.descriptors, address, ca=f"{pki}/ca.pem", plaintext=plaintext,
                         **certificate)

        # The operator works over TLS without a client certificate (optional for the client).
        operator = connect(identity.address)
        op_token = operator.call(f"{IDENTITY}/Login", {
            "login": "operator@region.ru", "password": password,
            "device": "interop"}).tokens.access_token
        at_directory = connect(directory.address)
        school = at_directory.call(f"{DIRECTORY}/CreateSchool", {"school": {
            "name": "МБОУ «Школа № 1»", "shortName": "Школа № 1", "regionCode": "77",
            "address": "Москва", "timeZone": "Europe/Moscow", "inn": "7707083893",
            "ogrn": "1027700132195"}}, token=op_token).school
        check(school.id != "", "the directory, verifying tokens with keys fetched over mutual "
                               "TLS, lets the operator create a school")

        def create_client(name, scopes, certificate=None, schools=(), regions=()):
            request = {"displayName": name, "scopes": scopes, "schoolIds": list(schools),
                       "regionCodes": list(regions)}
            if certificate:
                request["clientCertificate"] = open(f"{pki}/{certificate}.pem").read()
            created = operator.call(f"{IDENTITY}/CreateApiClient", request, token=op_token)
            return created.client_id, created.client_secret

        journal = create_client("Электронный журнал", ["directory.events.read",
                                                       "directory.roster.sync",
                                                       "messaging.journal_notices.post"],
                                "journal", schools=[school.id])
        listed = operator.call(f"{IDENTITY}/ListApiClients", {}, token=op_token).clients
        bound = [c for c in listed if c.id == journal[0]][0]
        thumbprint = base64.urlsafe_b64encode(hashlib.sha256(ssl.PEM_cert_to_DER_cert(
            open(f"{pki}/journal.pem").read())).digest()).rstrip(b"=").decode()
        check(bound.certificate_sha256 == thumbprint and list(bound.school_ids) == [school.id],
              "the journal's client is listed bound to its certificate and limited to its school")

        # The e-journal: mutual TLS with its own certificate.
        journal_identity = connect(identity.address, "journal")
        journal_token = journal_identity.token(*journal)
        claims = token_claims(journal_token)
        check(claims.get("cnf", {}).get("x5t#S256") == thumbprint and
              claims.get("schools") == [school.id],
              "its token is bound to its certificate (cnf.x5t#S256) and names its school")
        journal_directory = connect(directory.address, "journal")

        # The e-journal syncs its roster with the command-line client, twice.
        roster_file = os.path.join(pki, "roster.json")
        with open(roster_file, "w", encoding="utf-8") as f:
            json.dump({"schoolId": school.id, "academicYear": 2026,
                       "classes": [{"externalId": "ej-class-5a", "name": "5А",
                                    "teacherExternalId": "ej-t-1"}],
                       "people": [
                           {"externalId": "ej-t-1", "role": "ROLE_TEACHER",
                            "lastName": "Кузнецова", "firstName": "Мария"},
                           {"externalId": "ej-s-1", "role": "ROLE_STUDENT", "lastName": "Иванов",
                            "firstName": "Пётр", "birthDate": "2015-03-14",
                            "classExternalId": "ej-class-5a"},
                           {"externalId": "ej-s-2", "role": "ROLE_STUDENT",
                            "lastName": "Смирнова", "firstName": "Анна",
                            "birthDate": "2015-07-01", "classExternalId": "ej-class-5a"},
                           {"externalId": "ej-p-1", "role": "ROLE_PARENT", "lastName": "Иванова",
                            "firstName": "Елена", "childExternalIds": ["ej-s-1"]}]},
                      f, ensure_ascii=False)
        cli_env = dict(os.environ, PARTA_CLIENT_ID=journal[0], PARTA_CLIENT_SECRET=journal[1])
        connection = ["--identity", identity.address, "--descriptors", args.descriptors,
                      "--ca", f"{pki}/ca.pem", "--cert", f"{pki}/journal.pem",
                      "--key", f"{pki}/journal.key"]

        def cli(address, *command):
            done = subprocess.run([sys.executable, CLI, "--address", address, *connection,
                                   *command], env=cli_env, capture_output=True, text=True,
                                  timeout=120)
            return done.returncode, done.stdout, done.stderr

        code, out, err = cli(directory.address, "roster-sync", roster_file)
        check(code == 0, "the roster syncs" + (": " + err if code else ""))
        report = json.loads(out)
        check(report.get("created") == 5 and not report.get("rejected"),
              "the first sync makes the class, the teacher, two pupils and the parent")
        by_id = {r["externalId"]: r for r in report["results"]}
        class_id = by_id["ej-class-5a"]["id"]
        pupil = by_id["ej-s-1"]
        code, out, err = cli(directory.address, "roster-sync", roster_file)
        again = json.loads(out)
        check(code == 0 and again.get("unchanged") == 5 and not again.get("created"),
              "the same sync again changes nothing")

        # Homework into the class chat: messaging makes the chat from the directory's events,
        # so the journal repeats its notice until the chat is there (the same id posts once).
        deadline = time.monotonic() + 60
        while True:
            code, out, err = cli(messaging.address, "notice", "--school", school.id,
                                 "--class", class_id, "--journal-id", "hw-2026-12-07-1",
                                 "--kind", "homework", "--subject", "Алгебра",
                                 "--text", "№ 245, 247 на с. 61", "--due-date", "2026-12-09")
            if code == 0 or "CHAT_NOT_FOUND" not in err or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        check(code == 0, "the journal posts homework into the class chat" + (": " + err if code else ""))
        homework = json.loads(out)
        code, out, err = cli(messaging.address, "notice", "--school", school.id,
                             "--class", class_id, "--journal-id", "hw-2026-12-07-1",
                             "--kind", "homework", "--subject", "Алгебра",
                             "--text", "№ 245, 247 на с. 61", "--due-date", "2026-12-09")
        check(code == 0 and json.loads(out)["id"] == homework["id"],
              "posting it again answers the same message")

        # A grade for the pupil's parents alone: his family chat, not the class's (the journal
        # repeats it until messaging's roster knows the pupil).
        deadline = time.monotonic() + 60
        while True:
            code, out, err = cli(messaging.address, "notice", "--school", school.id,
                                 "--class", class_id, "--journal-id", "grade-2026-12-07-1",
                                 "--kind", "grade", "--subject", "Алгебра",
                                 "--text", "Контрольная работа: «5»", "--pupil", pupil["id"])
            if code == 0 or "PUPIL_NOT_FOUND" not in err or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        check(code == 0 and json.loads(out)["chatId"] != homework["chatId"],
              "the journal posts a grade to the pupil's parents alone" +
              (": " + err if code else ""))
        family_chat = json.loads(out)["chatId"]

        # The pupil activates his account with the code from the sync and reads it.
        activated = operator.call(f"{IDENTITY}/ActivateManagedAccount", {
            "login": pupil["username"], "code": pupil["loginCode"],
            "newPassword": "Пароль ученика пятого класса 2026", "device": "interop"})
        pupil_token = activated.tokens.access_token
        at_messaging = connect(messaging.address)
        deadline = time.monotonic() + 60
        seen = []
        while not seen and time.monotonic() < deadline:
            chats = at_messaging.call(f"{MESSAGING}/ListChats", {}, token=pupil_token).chats
            class_chats = [c for c in chats
                           if json_format.MessageToDict(c).get("kind") ==
                           "CHAT_KIND_CLASS_STUDENTS"]
            if class_chats:
                seen = at_messaging.call(f"{MESSAGING}/ListMessages",
                                         {"chatId": class_chats[0].id},
                                         token=pupil_token).messages
            if not seen:
                time.sleep(0.2)
        check(all(c.id != family_chat for c in chats),
              "the pupil does not see his family's chat")
        check(len(seen) == 1 and seen[0].id == homework["id"] and
              seen[0].journal.text == "№ 245, 247 на с. 61" and
              seen[0].journal.source == "Электронный журнал",
              "the pupil reads the journal's homework in his class chat")

        events = list(journal_directory.events(journal_token, school.id))
        check(len(events) > 1 and events[0].sequence == 1 and
              events[0].event.WhichOneof("change") == "school_created",
              "it reads the school's directory events from the start of the log")
        later = list(journal_directory.events(journal_token, school.id, events[-1].sequence))
        check(later == [], "and nothing after the last sequence it has seen")

        code, out, err = cli(directory.address, "events", "--school", school.id)
        lines = [json.loads(line) for line in out.splitlines()]
        check(code == 0 and len(lines) >= len(events) and
              "schoolCreated" in lines[0]["event"],
              "the command-line client prints the same events as JSON lines")

        # Another client's certificate (same CA) with the journal's token or secret.
        other_directory = connect(directory.address, "other")
        refused(lambda: list(other_directory.events(journal_token, school.id)),
                grpc.StatusCode.UNAUTHENTICATED, "CERTIFICATE_MISMATCH",
                "the journal's token over another client's certificate")
        other_identity = connect(identity.address, "other")
        refused(lambda: other_identity.token(*journal), grpc.StatusCode.UNAUTHENTICATED,
                "CLIENT_CERTIFICATE_MISMATCH", "the journal's secret over another certificate")
        refused(lambda: operator.token(*journal), grpc.StatusCode.UNAUTHENTICATED,
                "CLIENT_CERTIFICATE_REQUIRED", "the journal's secret without a certificate")
        refused(lambda: list(at_directory.events(journal_token, school.id)),
                grpc.StatusCode.UNAUTHENTICATED, "CERTIFICATE_MISMATCH",
                "the journal's token without a certificate")

        # An expired certificate fails the handshake; so does plaintext to a TLS port.
        expired = connect(identity.address, "expired")
        refused(lambda: expired.token(*journal), grpc.StatusCode.UNAVAILABLE, "",
                "a client with an expired certificate cannot connect")
        plaintext = connect(identity.address, plaintext=True)
        refused(lambda: plaintext.token(*journal), grpc.StatusCode.UNAVAILABLE, "",
                "plaintext to a TLS listener cannot connect")

        # Scopes and school limits.
        reader = create_client("Региональная платформа", ["directory.memberships.read"], "other")
        reader_token = other_identity.token(*reader)
        refused(lambda: list(other_directory.events(reader_token, school.id)),
                grpc.StatusCode.PERMISSION_DENIED, "MISSING_SCOPE",
                "a client without directory.events.read")
        region = create_client("Платформа Московской области", ["directory.events.read"], "other",
                               regions=["50"])
        region_token = other_identity.token(*region)
        refused(lambda: list(other_directory.events(region_token, school.id)),
                grpc.StatusCode.PERMISSION_DENIED, "SCHOOL_NOT_IN_CLIENT_SCOPE",
                "a client of region 50 asking for a school of region 77")
        refused(lambda: list(other_directory.events(region_token,
                                                    "0190f1e2-0000-7000-8000-000000000000")),
                grpc.StatusCode.PERMISSION_DENIED, "SCHOOL_NOT_IN_CLIENT_SCOPE",
                "and for a school that does not exist, answered the same way")
        moscow = create_client("Московская платформа", ["directory.events.read"], "other",
                               regions=["77"])
        check(len(list(other_directory.events(other_identity.token(*moscow), school.id))) >= 1,
              "a client of region 77 reads the school's events")

        # A renewed certificate is served to new connections without a restart.
        before = served_certificate_sha256(identity.port)
        check(before == file_certificate_sha256(f"{pki}/parta-services.pem"),
              "identity serves the services' certificate")
        renewed = os.path.join(pki, "renewed")
        subprocess.run([PKI, "issue", pki, "renewed"], check=True)
        for suffix in ("key", "pem"):
            shutil.copy(f"{renewed}.{suffix}", f"{pki}/parta-services.{suffix}.new")
        for suffix in ("key", "pem"):
            os.replace(f"{pki}/parta-services.{suffix}.new", f"{pki}/parta-services.{suffix}")
        wanted = file_certificate_sha256(f"{pki}/parta-services.pem")
        deadline = time.monotonic() + 60
        while served_certificate_sha256(identity.port) != wanted:
            if time.monotonic() > deadline:
                fail("identity still serves the old certificate a minute after the renewal")
            time.sleep(0.2)
        check(True, "identity serves the renewed certificate without a restart")
        renewed_channel = connect(identity.address, "journal")
        check(renewed_channel.token(*journal) != "",
              "and the journal gets tokens over a new mutual TLS connection")
        renewed_channel.close()

        for channel in (operator, at_directory, at_messaging, journal_identity, journal_directory,
                        other_directory, other_identity, expired, plaintext):
            channel.close()
        check(messaging.stop() and directory.stop() and identity.stop(),
              "the services drain and exit 0 on SIGTERM")
    finally:
        for service in services:
            service.drop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--identity", required=True)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--messaging", required=True)
    parser.add_argument("--descriptors", required=True)
    args = parser.parse_args()
    test_servers()
    workdir = tempfile.mkdtemp(prefix="parta-door-")
    try:
        subprocess.run([PKI, "ca", workdir], check=True)
        subprocess.run([PKI, "issue", workdir, "parta-services"], check=True)
        for name in ("journal", "other"):
            subprocess.run([PKI, "issue", workdir, name, "--client"], check=True)
        subprocess.run([PKI, "issue", workdir, "expired", "--client", "--expired"], check=True)
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
