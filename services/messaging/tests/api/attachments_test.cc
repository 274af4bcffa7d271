// Attachments: the content service checks them at send, in the author's name; messaging keeps
// them with their messages and answers who may read them (CheckAttachmentAccess). Content is a
// test double here: its own tests run the real one against messaging.

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/status.h"
#include "parta/content/v1/content.grpc.pb.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::DirectoryFixture;
using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;

// ContentService with DescribeAttachments only, on 127.0.0.1:0: the versions it was given are
// described, any other is NOT_FOUND `VERSION_NOT_FOUND` (with its ErrorInfo, as content
// answers). It keeps the bearer token of the last call and counts the calls.
class FakeContent final : public content::v1::ContentService::CallbackService {
 public:
  FakeContent() {
    ::grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
  }
  ~FakeContent() override { Stop(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Content out of reach from now on.
  void Stop() {
    if (!server_) return;
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    server_.reset();
  }

  // A new version id that the caller may attach.
  std::string NewVersion() {
    std::string id = NewUuidV7(absl::Now());
    absl::MutexLock lock(&mu_);
    known_.insert(id);
    return id;
  }

  std::string last_token() {
    absl::MutexLock lock(&mu_);
    return last_token_;
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

  ::grpc::ServerUnaryReactor* DescribeAttachments(
      ::grpc::CallbackServerContext* context,
      const content::v1::DescribeAttachmentsRequest* request,
      content::v1::DescribeAttachmentsResponse* response) override {
    ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    ::grpc::Status status = ::grpc::Status::OK;
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      last_token_.clear();
      auto authorization = context->client_metadata().find("authorization");
      if (authorization != context->client_metadata().end()) {
        std::string value(authorization->second.data(), authorization->second.size());
        if (absl::StartsWith(value, "Bearer ")) last_token_ = value.substr(7);
      }
      for (const std::string& id : request->version_ids()) {
        if (!known_.contains(id)) {
          status =
              grpc::ToGrpcStatus(NotFound("VERSION_NOT_FOUND", "no such version"), "content.parta");
          response->clear_versions();
          break;
        }
        content::v1::Version& version = *response->add_versions();
        version.set_id(id);
        version.set_number(1);
        version.set_file_name("домашнее задание.pdf");
        version.set_size(1024);
        version.set_media_type("application/pdf");
        version.set_scan_state(content::v1::SCAN_STATE_CLEAN);
      }
    }
    reactor->Finish(status);
    return reactor;
  }

 private:
  int port_ = 0;
  std::unique_ptr<::grpc::Server> server_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> known_ ABSL_GUARDED_BY(mu_);
  std::string last_token_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// Messaging that asks `content` about attachments; nullptr when there is no test server.
std::unique_ptr<MessagingFixture> StartWithContent(const FakeContent& content) {
  std::unique_ptr<MessagingFixture> f = MessagingFixture::Start(/*start_messaging=*/false);
  if (!f) return nullptr;
  f->SetContentAddress(content.address());
  f->StartMessaging();
  return f;
}

v1::SendMessageRequest WithAttachments(const std::string& chat_id, const std::string& text,
                                       const std::vector<std::string>& version_ids) {
  v1::SendMessageRequest request;
  request.set_chat_id(chat_id);
  request.set_request_id(NewUuidV7(absl::Now()));
  request.mutable_text()->set_body(text);
  for (const std::string& id : version_ids) request.add_attachment_ids(id);
  return request;
}

// The number of rows `sql` counts for `arg`, in messaging's database.
int64_t Count(MessagingFixture& f, const std::string& sql, const std::string& arg) {
  absl::StatusOr<int64_t> count =
      f.pool().ReadFor<int64_t>([&](pqxx::nontransaction& tx) -> absl::StatusOr<int64_t> {
        return tx.exec_params(sql, arg)[0][0].as<int64_t>();
      });
  REQUIRE(count.ok());
  return *count;
}

int64_t MessagesIn(MessagingFixture& f, const std::string& chat_id) {
  return Count(f, "SELECT count(*) FROM messages WHERE chat_id = $1::uuid", chat_id);
}

int64_t AttachmentRows(MessagingFixture& f, const std::string& version_id) {
  return Count(f, "SELECT count(*) FROM message_attachments WHERE version_id = $1::uuid",
               version_id);
}

bool Readable(MessagingFixture& f, const std::string& user_id, const std::string& version_id) {
  v1::CheckAttachmentAccessRequest request;
  request.set_version_id(version_id);
  v1::CheckAttachmentAccessResponse response;
  ::grpc::Status status = f.Call(&Stub::CheckAttachmentAccess, user_id, request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.readable();
}

TEST_CASE("SendMessage has the content service check attachments with the author's token",
          "[messaging][api]") {
  FakeContent content;
  auto f = StartWithContent(content);
  if (!f) return;
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat students = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::Chat parents = f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);

  // Attached: the message carries the versions, and content was asked in the teacher's name.
  const std::string homework = content.NewVersion();
  const std::string answers = content.NewVersion();
  const std::string token = f->Token(w.teacher);
  v1::SendMessageResponse sent;
  {
    auto context = DirectoryFixture::Context(token);
    ::grpc::Status status = f->stub().SendMessage(
        context.get(), WithAttachments(students.id(), "Домашнее задание", {homework, answers}),
        &sent);
    INFO(status.error_message());
    REQUIRE(status.ok());
  }
  REQUIRE(sent.message().attachment_ids_size() == 2);
  CHECK(sent.message().attachment_ids(0) == homework);
  CHECK(sent.message().attachment_ids(1) == answers);
  CHECK(content.last_token() == token);
  CHECK(AttachmentRows(*f, homework) == 1);
  v1::ListMessagesRequest history;
  history.set_chat_id(students.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.student, history, &page).ok());
  REQUIRE(page.messages_size() == 1);
  CHECK(page.messages(0).attachment_ids_size() == 2);

  // A version content does not let him attach: its refusal, and nothing written.
  const int64_t before = MessagesIn(*f, students.id());
  const std::string unknown = NewUuidV7(absl::Now());
  v1::Message ignored;
  CHECK_REFUSED(f->Call(&Stub::SendMessage, w.teacher,
                        WithAttachments(students.id(), "Ещё файл", {homework, unknown}), &ignored),
                NOT_FOUND, "VERSION_NOT_FOUND");
  CHECK(MessagesIn(*f, students.id()) == before);
  CHECK(AttachmentRows(*f, unknown) == 0);
  CHECK(AttachmentRows(*f, homework) == 1);

  // A request refused anyway is not sent to content.
  const int calls = content.calls();
  CHECK_REFUSED(f->Call(&Stub::SendMessage, w.teacher,
                        WithAttachments(students.id(), "Файл", {"homework.pdf"}), &ignored),
                INVALID_ARGUMENT, "INVALID_ATTACHMENT");
  CHECK(content.calls() == calls);

  // A forward takes the attachments along without asking content (the forwarder reads them),
  // and they become readable where it lands.
  v1::SendMessageRequest forward;
  forward.set_chat_id(parents.id());
  forward.set_request_id(NewUuidV7(absl::Now()));
  forward.mutable_forward()->set_chat_id(students.id());
  forward.mutable_forward()->set_message_id(sent.message().id());
  v1::Message forwarded;
  REQUIRE(f->Call(&Stub::SendMessage, w.teacher, forward, &forwarded).ok());
  CHECK(forwarded.attachment_ids_size() == 2);
  CHECK(content.calls() == calls);
  CHECK(AttachmentRows(*f, homework) == 2);
  CHECK(Readable(*f, w.parent, homework));

  // Content out of reach: the send waits for no one and writes nothing; text still goes.
  content.Stop();
  const int64_t still = MessagesIn(*f, students.id());
  CHECK_REFUSED(f->Call(&Stub::SendMessage, w.teacher,
                        WithAttachments(students.id(), "Файл", {homework}), &ignored),
                UNAVAILABLE, "CONTENT_UNAVAILABLE");
  CHECK(MessagesIn(*f, students.id()) == still);
  f->Send(w.teacher, students.id(), "Файл пришлю позже");
}

TEST_CASE("CheckAttachmentAccess answers for messages the caller can see", "[messaging][api]") {
  FakeContent content;
  auto f = StartWithContent(content);
  if (!f) return;
  SchoolWorld w = f->directory().BuildSchool();
  SchoolWorld other = f->directory().BuildSchool("Гимназия № 2");
  std::string classmate = f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                              dir::ROLE_STUDENT, w.class_id);
  f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(classmate, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(other.student, v1::CHAT_KIND_CLASS_STUDENTS, other.class_id);

  v1::CreateGroupChatRequest create;
  create.set_school_id(w.school_id);
  create.set_title("Олимпиада по физике");
  create.add_member_ids(w.student);
  v1::Chat group;
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());
  const std::string task = content.NewVersion();
  v1::Message posted;
  REQUIRE(
      f->Call(&Stub::SendMessage, w.teacher, WithAttachments(group.id(), "Задача", {task}), &posted)
          .ok());

  CHECK(Readable(*f, w.student, task));
  CHECK(Readable(*f, w.teacher, task));
  CHECK_FALSE(Readable(*f, w.parent, task));                     // not in the group
  CHECK_FALSE(Readable(*f, other.student, task));                // another school's
  CHECK_FALSE(Readable(*f, w.student, NewUuidV7(absl::Now())));  // carried by no message
  v1::CheckAttachmentAccessRequest garbled;
  garbled.set_version_id("task.pdf");
  v1::CheckAttachmentAccessResponse ignored;
  CHECK_REFUSED(f->Call(&Stub::CheckAttachmentAccess, w.student, garbled, &ignored),
                INVALID_ARGUMENT, "INVALID_VERSION_ID");

  // A newcomer whose history starts after the message does not read it.
  v1::UpdateChatRequest settings;
  settings.mutable_chat()->set_id(group.id());
  settings.mutable_chat()->mutable_settings()->set_newcomer_history(v1::NEWCOMER_HISTORY_NONE);
  settings.mutable_update_mask()->add_paths("settings");
  v1::Chat updated;
  REQUIRE(f->Call(&Stub::UpdateChat, w.teacher, settings, &updated).ok());
  v1::AddChatMembersRequest add;
  add.set_chat_id(group.id());
  add.add_user_ids(classmate);
  v1::AddChatMembersResponse added;
  REQUIRE(f->Call(&Stub::AddChatMembers, w.teacher, add, &added).ok());
  CHECK_FALSE(Readable(*f, classmate, task));
  const std::string hint = content.NewVersion();
  v1::Message hinted;
  REQUIRE(f->Call(&Stub::SendMessage, w.teacher, WithAttachments(group.id(), "Подсказка", {hint}),
                  &hinted)
              .ok());
  CHECK(Readable(*f, classmate, hint));  // what is posted after he joined

  // Leaving the chat ends it.
  v1::RemoveChatMemberRequest leave;
  leave.set_chat_id(group.id());
  leave.set_user_id(w.student);
  v1::RemoveChatMemberResponse left;
  REQUIRE(f->Call(&Stub::RemoveChatMember, w.student, leave, &left).ok());
  CHECK_FALSE(Readable(*f, w.student, task));

  // So does deleting the message, for everyone, its author included.
  v1::DeleteMessageRequest remove;
  remove.set_chat_id(group.id());
  remove.set_message_id(posted.id());
  v1::Message deleted;
  REQUIRE(f->Call(&Stub::DeleteMessage, w.teacher, remove, &deleted).ok());
  CHECK_FALSE(Readable(*f, w.teacher, task));
}

}  // namespace
}  // namespace parta::messaging
