// Migrations that rewrite what the service keeps: the chats' logged events, after the end of a
// mute moved from MemberMuted's field 2 (`muted_until`) to field 3 (`mute_end_time`).

#include "libs/pg/migrations.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "libs/core/random.h"
#include "libs/testing/fixtures.h"
#include "parta/events/v1/events.pb.h"
#include "services/messaging/messaging_app.h"

namespace parta::messaging {
namespace {

// An event of the chat's log as the service wrote it.
events::v1::Event Logged(const std::string& chat_id, int64_t sequence) {
  events::v1::Event event;
  event.set_id(NewUuidV7(absl::Now()));
  event.mutable_time()->set_seconds(1'800'000'000);
  event.set_stream("chat/" + chat_id);
  event.set_sequence(sequence);
  event.mutable_chat_change()->set_chat_id(chat_id);
  event.mutable_chat_change()->set_actor_id(NewUuidV7(absl::Now()));
  return event;
}

TEST_CASE("Migration 0004 moves the end of every logged mute to mute_end_time",
          "[messaging][integration]") {
  PARTA_TEST_SCHEMA(schema);
  std::unique_ptr<pg::Pool> pool = schema->MakePool(1);
  absl::StatusOr<std::vector<pg::Migration>> all = pg::LoadMigrations(DefaultMigrationsDir());
  REQUIRE(all.ok());
  std::vector<pg::Migration> before;
  for (const pg::Migration& migration : *all) {
    if (migration.version < 4) before.push_back(migration);
  }
  REQUIRE(pg::ApplyMigrations(*pool, before).ok());

  // Events logged before it: a mute with its end in field 2, as `muted_until` wrote it; a mute
  // lifted (no end); a message whose text holds the bytes of the member_muted key.
  const std::string chat_id = NewUuidV7(absl::Now());
  google::protobuf::Timestamp end;
  end.set_seconds(1'800'000'600);
  end.set_nanos(123'000);
  events::v1::Event muted = Logged(chat_id, 1);
  events::v1::MemberMuted& mute = *muted.mutable_chat_change()->mutable_member_muted();
  mute.set_user_id(NewUuidV7(absl::Now()));
  mute.GetReflection()->MutableUnknownFields(&mute)->AddLengthDelimited(2, end.SerializeAsString());
  events::v1::Event lifted = Logged(chat_id, 2);
  lifted.mutable_chat_change()->mutable_member_muted()->set_user_id(mute.user_id());
  events::v1::Event posted = Logged(chat_id, 3);
  posted.mutable_chat_change()->mutable_message_posted()->mutable_text()->set_body(
      "Кружок по субботам \xc2\xaa\x01");
  std::map<int64_t, std::string> written = {{1, muted.SerializeAsString()},
                                            {2, lifted.SerializeAsString()},
                                            {3, posted.SerializeAsString()}};
  REQUIRE(pool->Transact([&](pqxx::work& tx) -> absl::Status {
                for (const auto& [sequence, payload] : written) {
                  tx.exec_params(
                      "INSERT INTO outbox (stream, sequence, event_type, payload) "
                      "VALUES ($1, $2, 'parta.events.v1.Event', $3)",
                      "chat/" + chat_id, sequence,
                      pqxx::binarystring(payload.data(), payload.size()));
                }
                return absl::OkStatus();
              })
              .ok());

  REQUIRE(pg::ApplyMigrations(*pool, *all).ok());
  std::map<int64_t, std::string> read;
  REQUIRE(pool->Read([&](pqxx::nontransaction& tx) -> absl::Status {
                for (const pqxx::row& row :
                     tx.exec_params("SELECT sequence, payload FROM outbox WHERE stream = $1",
                                    "chat/" + chat_id)) {
                  read[row[0].as<int64_t>()] = pqxx::binarystring(row[1]).str();
                }
                return absl::OkStatus();
              })
              .ok());
  REQUIRE(read.size() == 3);

  events::v1::Event migrated;
  REQUIRE(migrated.ParseFromString(read[1]));
  const events::v1::MemberMuted& now = migrated.chat_change().member_muted();
  CHECK(now.user_id() == mute.user_id());
  CHECK(now.mute_end_time().seconds() == end.seconds());
  CHECK(now.mute_end_time().nanos() == end.nanos());
  CHECK(now.GetReflection()->GetUnknownFields(now).empty());
  CHECK(migrated.id() == muted.id());
  CHECK(migrated.chat_change().actor_id() == muted.chat_change().actor_id());
  CHECK(read[1].size() == written[1].size());
  // What holds no end in field 2 is left as it was, byte for byte.
  CHECK(read[2] == written[2]);
  CHECK(read[3] == written[3]);
}

}  // namespace
}  // namespace parta::messaging
