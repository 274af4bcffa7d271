// Call notices: the signaling service posts a call's start and end into its chat, in the name of
// the call's host, and they travel as messages do (history, change log, the chat's channel,
// unread counts, search).

#include <catch2/catch.hpp>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "libs/core/random.h"
#include "libs/realtime/channels.h"
#include "libs/redis/pubsub.h"
#include "parta/events/v1/events.pb.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::DirectoryFixture;
using directory::testing::SchoolWorld;
using testing::MessagingFixture;
using Stub = v1::MessagingService::Stub;

// Calls PostCallNotice with `token` (empty: none); `message` gets the notice posted.
::grpc::Status Post(MessagingFixture& f, const std::string& token,
                    const v1::PostCallNoticeRequest& request, v1::Message* message) {
  auto context = DirectoryFixture::Context(token);
  v1::PostCallNoticeResponse response;
  ::grpc::Status status = f.stub().PostCallNotice(context.get(), request, &response);
  if (status.ok()) *message = response.message();
  return status;
}

v1::PostCallNoticeRequest Started(const std::string& chat_id, const std::string& host,
                                  const std::string& call_id) {
  v1::PostCallNoticeRequest request;
  request.set_chat_id(chat_id);
  request.set_author_id(host);
  request.set_request_id("call/" + call_id + "/started");
  request.mutable_notice()->set_call_id(call_id);
  request.mutable_notice()->set_kind(v1::CALL_NOTICE_KIND_STARTED);
  return request;
}

v1::PostCallNoticeRequest Ended(const std::string& chat_id, const std::string& host,
                                const std::string& call_id, int64_t seconds, int participants) {
  v1::PostCallNoticeRequest request;
  request.set_chat_id(chat_id);
  request.set_author_id(host);
  request.set_request_id("call/" + call_id + "/ended");
  request.mutable_notice()->set_call_id(call_id);
  request.mutable_notice()->set_kind(v1::CALL_NOTICE_KIND_ENDED);
  request.mutable_notice()->mutable_duration()->set_seconds(seconds);
  request.mutable_notice()->set_participant_count(participants);
  return request;
}

// What arrives on a chat's Redis channel, as the gateway's sockets receive it.
class ChannelWitness {
 public:
  ChannelWitness(const std::string& redis_uri, const std::string& chat_id)
      : pubsub_(*redis::Endpoint::Parse(redis_uri),
                {.on_message = [this](const std::string&, const std::string& payload) {
                  events::v1::Envelope envelope;
                  if (!envelope.ParseFromString(payload) || !envelope.has_event()) return;
                  absl::MutexLock lock(&mu_);
                  events_.push_back(envelope.event());
                }}) {
    absl::Notification subscribed;
    pubsub_.Subscribe({realtime::ChatChannel(chat_id)}, [&] { subscribed.Notify(); });
    subscribed.WaitForNotification();
  }

  // The messages posted that arrived so far, in arrival order.
  std::vector<v1::Message> Posted() {
    absl::MutexLock lock(&mu_);
    std::vector<v1::Message> posted;
    for (const events::v1::Event& event : events_) {
      if (event.chat_change().has_message_posted()) {
        posted.push_back(event.chat_change().message_posted());
      }
    }
    return posted;
  }

 private:
  absl::Mutex mu_;
  std::vector<events::v1::Event> events_ ABSL_GUARDED_BY(mu_);
  redis::PubSub pubsub_;
};

TEST_CASE("A call's start and end show in its chat as messages of its host", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForRoster(w.school_id);
  ChannelWitness witness(f->config().redis_uri, chat.id());
  const std::string service = f->directory().ServiceToken();
  const std::string call_id = NewUuidV7(absl::Now());

  v1::Message started;
  REQUIRE(Post(*f, service, Started(chat.id(), w.teacher, call_id), &started).ok());
  CHECK(started.author_id() == w.teacher);
  CHECK(started.request_id() == "call/" + call_id + "/started");
  CHECK(started.call().call_id() == call_id);
  CHECK(started.call().kind() == v1::CALL_NOTICE_KIND_STARTED);
  CHECK_FALSE(started.call().has_duration());
  v1::Message ended;
  REQUIRE(Post(*f, service, Ended(chat.id(), w.teacher, call_id, 34 * 60, 27), &ended).ok());
  CHECK(ended.sequence() == started.sequence() + 1);
  CHECK(ended.call().kind() == v1::CALL_NOTICE_KIND_ENDED);
  CHECK(ended.call().duration().seconds() == 34 * 60);
  CHECK(ended.call().participant_count() == 27);

  // History: a member reads both, newest first, as they were posted.
  v1::ListMessagesRequest history;
  history.set_chat_id(chat.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.student, history, &page).ok());
  REQUIRE(page.messages_size() == 2);
  CHECK(page.messages(0).id() == ended.id());
  CHECK(page.messages(0).author_id() == w.teacher);
  CHECK(page.messages(0).call().duration().seconds() == 34 * 60);
  CHECK(page.messages(0).call().participant_count() == 27);
  CHECK(page.messages(1).id() == started.id());
  CHECK(page.messages(1).call().kind() == v1::CALL_NOTICE_KIND_STARTED);

  // The change log (gap fills, sync): each a message_posted change by the host.
  v1::ListChatChangesRequest changes_request;
  changes_request.set_chat_id(chat.id());
  changes_request.set_after_sequence(started.sequence() - 1);
  v1::ListChatChangesResponse changes;
  REQUIRE(f->Call(&Stub::ListChatChanges, w.student, changes_request, &changes).ok());
  REQUIRE(changes.changes_size() == 2);
  CHECK(changes.changes(0).chat_change().actor_id() == w.teacher);
  CHECK(changes.changes(0).chat_change().message_posted().id() == started.id());
  CHECK(changes.changes(1).sequence() == ended.sequence());
  CHECK(changes.changes(1).chat_change().message_posted().call().participant_count() == 27);

  // The chat's channel, which the gateway's sockets follow.
  std::vector<v1::Message> arrived;
  CHECK(MessagingFixture::Eventually([&] {
    arrived = witness.Posted();
    return arrived.size() >= 2;
  }));
  REQUIRE(arrived.size() == 2);
  CHECK(arrived[0].id() == started.id());
  CHECK(arrived[1].id() == ended.id());
  CHECK(arrived[1].call().kind() == v1::CALL_NOTICE_KIND_ENDED);

  // Unread for the others, not for the host, whose notices they are.
  CHECK(f->ChatOf(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id)->unread_count() == 2);
  CHECK(f->ChatOf(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id)->unread_count() == 0);

  // Russian search finds calls by their words.
  v1::SearchMessagesRequest search;
  search.set_query("звонок");
  search.set_chat_id(chat.id());
  v1::SearchMessagesResponse found;
  REQUIRE(f->Call(&Stub::SearchMessages, w.student, search, &found).ok());
  CHECK(found.messages_size() == 2);
  search.set_query("завершён");
  REQUIRE(f->Call(&Stub::SearchMessages, w.student, search, &found).ok());
  REQUIRE(found.messages_size() == 1);
  CHECK(found.messages(0).id() == ended.id());

  // A notice is no text to edit, and stays in its own chat.
  v1::EditMessageRequest edit;
  edit.set_chat_id(chat.id());
  edit.set_message_id(ended.id());
  edit.mutable_text()->set_body("Звонка не было");
  edit.mutable_update_mask()->add_paths("text");
  v1::Message ignored;
  CHECK_REFUSED(f->Call(&Stub::EditMessage, w.teacher, edit, &ignored), FAILED_PRECONDITION,
                "NOT_TEXT");
  v1::SendMessageRequest forward;
  forward.set_chat_id(chat.id());
  forward.set_request_id(NewUuidV7(absl::Now()));
  forward.mutable_forward()->set_chat_id(chat.id());
  forward.mutable_forward()->set_message_id(ended.id());
  CHECK_REFUSED(f->Call(&Stub::SendMessage, w.student, forward, &ignored), INVALID_ARGUMENT,
                "NOT_FORWARDABLE");
}

TEST_CASE("A call notice retried with its request id is posted once, another under it refused",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  const std::string service = f->directory().ServiceToken();
  const std::string call_id = NewUuidV7(absl::Now());

  v1::Message first;
  REQUIRE(Post(*f, service, Ended(chat.id(), w.teacher, call_id, 125, 3), &first).ok());
  // A retry, also from another replica of the service (another token).
  v1::Message retry;
  REQUIRE(
      Post(*f, f->directory().ServiceToken(), Ended(chat.id(), w.teacher, call_id, 125, 3), &retry)
          .ok());
  CHECK(retry.id() == first.id());
  CHECK(retry.sequence() == first.sequence());
  CHECK(retry.call().participant_count() == 3);

  v1::Message ignored;
  CHECK_REFUSED(Post(*f, service, Ended(chat.id(), w.teacher, call_id, 125, 4), &ignored),
                ALREADY_EXISTS, "REQUEST_ID_REUSED");
  v1::PostCallNoticeRequest started_under_it = Started(chat.id(), w.teacher, call_id);
  started_under_it.set_request_id("call/" + call_id + "/ended");
  CHECK_REFUSED(Post(*f, service, started_under_it, &ignored), ALREADY_EXISTS, "REQUEST_ID_REUSED");
  // The host's request ids are one set: his own send under the notice's id is refused too.
  v1::SendMessageRequest send;
  send.set_chat_id(chat.id());
  send.set_request_id("call/" + call_id + "/ended");
  send.mutable_text()->set_body("Спасибо всем!");
  CHECK_REFUSED(f->Call(&Stub::SendMessage, w.teacher, send, &ignored), ALREADY_EXISTS,
                "REQUEST_ID_REUSED");

  v1::ListMessagesRequest history;
  history.set_chat_id(chat.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.teacher, history, &page).ok());
  REQUIRE(page.messages_size() == 1);
  CHECK(page.messages(0).id() == first.id());
}

TEST_CASE("PostCallNotice is for Parta's own services, not for people", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  const v1::PostCallNoticeRequest notice = Started(chat.id(), w.teacher, NewUuidV7(absl::Now()));
  v1::Message ignored;
  CHECK_REFUSED(Post(*f, f->Token(w.teacher), notice, &ignored), PERMISSION_DENIED,
                "INTERNAL_ONLY");
  CHECK_REFUSED(Post(*f, f->directory().OperatorToken(), notice, &ignored), PERMISSION_DENIED,
                "INTERNAL_ONLY");
  CHECK_REFUSED(Post(*f, "", notice, &ignored), UNAUTHENTICATED, "TOKEN_REQUIRED");

  v1::ListMessagesRequest history;
  history.set_chat_id(chat.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.teacher, history, &page).ok());
  CHECK(page.messages_size() == 0);
}

TEST_CASE(
    "Call notices with bad fields, for unknown chats or by authors never in the chat, are refused",
    "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  const std::string service = f->directory().ServiceToken();
  const std::string call_id = NewUuidV7(absl::Now());
  v1::Message ignored;
  auto post = [&](const v1::PostCallNoticeRequest& request) {
    return Post(*f, service, request, &ignored);
  };

  v1::PostCallNoticeRequest bad = Started("chat-5a", w.teacher, call_id);
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CHAT_ID");
  bad = Started(chat.id(), "teacher", call_id);
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_USER_ID");
  bad = Started(chat.id(), w.teacher, call_id);
  bad.set_request_id("");
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_REQUEST_ID");

  bad = Started(chat.id(), w.teacher, "");
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CALL_NOTICE");  // no call
  bad = Started(chat.id(), w.teacher, call_id);
  bad.mutable_notice()->set_kind(v1::CALL_NOTICE_KIND_UNSPECIFIED);
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CALL_NOTICE");
  bad.mutable_notice()->set_kind(static_cast<v1::CallNoticeKind>(7));
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CALL_NOTICE");
  bad = Started(chat.id(), w.teacher, call_id);
  bad.mutable_notice()->set_participant_count(3);
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CALL_NOTICE");  // a start has no count
  bad = Ended(chat.id(), w.teacher, call_id, 60, 2);
  bad.mutable_notice()->clear_duration();
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CALL_NOTICE");
  bad = Ended(chat.id(), w.teacher, call_id, -60, 2);
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CALL_NOTICE");
  bad = Ended(chat.id(), w.teacher, call_id, 60, 2);
  bad.mutable_notice()->mutable_duration()->set_nanos(-5);  // of another sign: no Duration
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CALL_NOTICE");
  bad = Ended(chat.id(), w.teacher, call_id, 60, -1);
  CHECK_REFUSED(post(bad), INVALID_ARGUMENT, "INVALID_CALL_NOTICE");

  CHECK_REFUSED(post(Started(NewUuidV7(absl::Now()), w.teacher, call_id)), NOT_FOUND,
                "CHAT_NOT_FOUND");
  // The parent never was in the students' chat; nor is an account of no school.
  CHECK_REFUSED(post(Started(chat.id(), w.parent, call_id)), FAILED_PRECONDITION,
                "AUTHOR_NOT_MEMBER");
  CHECK_REFUSED(post(Started(chat.id(), DirectoryFixture::NewUser(), call_id)), FAILED_PRECONDITION,
                "AUTHOR_NOT_MEMBER");

  v1::ListMessagesRequest history;
  history.set_chat_id(chat.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.teacher, history, &page).ok());
  CHECK(page.messages_size() == 0);  // nothing refused left a trace
  // An end of zero length with nobody else is still a call's end.
  REQUIRE(post(Ended(chat.id(), w.teacher, call_id, 0, 0)).ok());
}

TEST_CASE("A host who left the chat during his call still ends it there", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::CreateGroupChatRequest create;
  create.set_school_id(w.school_id);
  create.set_title("Кружок робототехники");
  create.add_member_ids(w.student);
  v1::Chat group;
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());
  const std::string service = f->directory().ServiceToken();
  const std::string call_id = NewUuidV7(absl::Now());
  v1::Message started;
  REQUIRE(Post(*f, service, Started(group.id(), w.student, call_id), &started).ok());

  v1::RemoveChatMemberRequest leave;
  leave.set_chat_id(group.id());
  leave.set_user_id(w.student);
  v1::RemoveChatMemberResponse left;
  REQUIRE(f->Call(&Stub::RemoveChatMember, w.student, leave, &left).ok());

  v1::Message ended;
  REQUIRE(Post(*f, service, Ended(group.id(), w.student, call_id, 600, 2), &ended).ok());
  CHECK(ended.author_id() == w.student);
  v1::ListMessagesRequest history;
  history.set_chat_id(group.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.teacher, history, &page).ok());
  REQUIRE(page.messages_size() == 2);
  CHECK(page.messages(0).id() == ended.id());
  CHECK(page.messages(0).call().participant_count() == 2);
}

TEST_CASE("No call notice enters an archived chat", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  directory::v1::RolloverAcademicYearRequest rollover;
  rollover.set_school_id(w.school_id);
  rollover.set_from_year(chat.academic_year());
  directory::v1::RolloverAcademicYearResponse result;
  ::grpc::Status rolled = f->directory().Call(
      &directory::v1::DirectoryService::Stub::RolloverAcademicYear, w.admin, rollover, &result);
  INFO(rolled.error_message());
  REQUIRE(rolled.ok());
  f->WaitForRoster(w.school_id);
  REQUIRE(f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id).archived());

  v1::Message ignored;
  CHECK_REFUSED(Post(*f, f->directory().ServiceToken(),
                     Started(chat.id(), w.teacher, NewUuidV7(absl::Now())), &ignored),
                FAILED_PRECONDITION, "CHAT_ARCHIVED");
}

}  // namespace
}  // namespace parta::messaging
