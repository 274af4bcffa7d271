// What messaging hands to a person's data export, against a real messaging service: his chats,
// the messages he wrote page by page (not those deleted, not others'), his reactions; and the
// refusals.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::DirectoryFixture;
using directory::testing::SchoolWorld;
using nlohmann::json;
using testing::MessagingFixture;
using Stub = v1::MessagingService::Stub;

::grpc::Status ExportPage(MessagingFixture& f, const std::string& token,
                          const v1::ExportAuthorDataRequest& request,
                          v1::ExportAuthorDataResponse* response) {
  return f.stub().ExportAuthorData(DirectoryFixture::Context(token).get(), request, response);
}

TEST_CASE("A person's messages and reactions come out page by page for his export",
          "[messaging][api][export]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForRoster(w.school_id);
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  std::vector<std::string> written;
  for (int i = 1; i <= 5; ++i) {
    written.push_back(f->Send(w.student, chat.id(), absl::StrCat("Сообщение № ", i)).id());
  }
  v1::Message teachers = f->Send(w.teacher, chat.id(), "Задание на завтра");
  v1::ReactToMessageRequest react;
  react.set_chat_id(chat.id());
  react.set_message_id(teachers.id());
  react.set_emoji("👍");
  v1::ReactToMessageResponse reacted;
  REQUIRE(f->Call(&Stub::ReactToMessage, w.student, react, &reacted).ok());
  v1::DeleteMessageRequest remove;
  remove.set_chat_id(chat.id());
  remove.set_message_id(written[2]);
  v1::DeleteMessageResponse removed;
  REQUIRE(f->Call(&Stub::DeleteMessage, w.student, remove, &removed).ok());

  const std::string service = f->directory().ServiceToken();
  v1::ExportAuthorDataRequest request;
  request.set_person_id(w.student);
  request.set_page_size(2);
  std::map<std::string, std::string> files;
  std::vector<std::string> exported;
  int pages = 0;
  do {
    v1::ExportAuthorDataResponse page;
    ::grpc::Status status = ExportPage(*f, service, request, &page);
    INFO(status.error_message());
    REQUIRE(status.ok());
    ++pages;
    for (const api::v1::ExportFile& file : page.files()) {
      if (file.path() == "messaging/messages.jsonl") {
        for (absl::string_view line : absl::StrSplit(file.content(), '\n', absl::SkipEmpty())) {
          json message = json::parse(line);
          CHECK(message["authorId"] == w.student);
          CHECK(message["chatId"] == chat.id());
          exported.push_back(message["id"]);
        }
      } else {
        CHECK(pages == 1);  // everything else comes once, first
        files[file.path()] = file.content();
      }
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());

  // Four messages of his, oldest first, two a page; the deleted one and the teacher's left out.
  CHECK(pages == 2);
  CHECK(exported == std::vector<std::string>{written[0], written[1], written[3], written[4]});
  json chats = json::parse(files.at("messaging/chats.json"))["chats"];
  bool in_class_chat = false;
  for (const json& member : chats) in_class_chat |= member["chatId"] == chat.id();
  CHECK(in_class_chat);
  json reactions = json::parse(files.at("messaging/reactions.json"))["reactions"];
  REQUIRE(reactions.size() == 1);
  CHECK(reactions[0]["messageId"] == teachers.id());
  CHECK(reactions[0]["emoji"] == "👍");
  for (const char* name : {"messaging/votes.json", "messaging/acknowledgements.json",
                           "messaging/reports.json"}) {
    CHECK(files.count(name) == 1);
  }
}

TEST_CASE("A person's export from messaging is for services only, with valid pages",
          "[messaging][api][export]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::ExportAuthorDataRequest request;
  request.set_person_id(w.student);
  v1::ExportAuthorDataResponse page;
  CHECK(ExportPage(*f, f->Token(w.student), request, &page).error_code() ==
        ::grpc::StatusCode::PERMISSION_DENIED);
  const std::string service = f->directory().ServiceToken();
  request.set_person_id("not-an-id");
  CHECK_REFUSED(ExportPage(*f, service, request, &page), INVALID_ARGUMENT, "INVALID_PERSON_ID");
  request.set_person_id(w.student);
  request.set_page_size(5001);
  CHECK_REFUSED(ExportPage(*f, service, request, &page), INVALID_ARGUMENT, "INVALID_PAGE");
  request.set_page_size(0);
  request.set_page_token("garbled");
  CHECK_REFUSED(ExportPage(*f, service, request, &page), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  // Someone who never wrote: the files, empty.
  request.set_person_id(NewUuidV7(absl::Now()));
  request.clear_page_token();
  REQUIRE(ExportPage(*f, service, request, &page).ok());
  CHECK(page.next_page_token().empty());
  for (const api::v1::ExportFile& file : page.files()) {
    if (file.path() == "messaging/messages.jsonl") CHECK(file.content().empty());
  }
}

}  // namespace
}  // namespace parta::messaging
