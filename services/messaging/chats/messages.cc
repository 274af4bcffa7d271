#include "services/messaging/chats/messages.h"

#include <google/protobuf/util/time_util.h>
#include <openssl/sha.h>

#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/core/status.h"
#include "libs/grpc/request_values.h"
#include "libs/pg/arrays.h"
#include "libs/pg/prepared.h"
#include "libs/pg/time.h"
#include "libs/text/utf8.h"
#include "services/messaging/chats/change_visibility.h"
#include "services/messaging/chats/chat_log.h"
#include "services/messaging/chats/message_deletion.h"
#include "services/messaging/chats/message_rows.h"
#include "services/messaging/chats/moderation_log.h"
#include "services/messaging/chats/school_roles.h"
#include "libs/core/page_token.h"
#include "services/messaging/domain/policy.h"
#include "services/messaging/domain/validation.h"
#include "services/messaging/roster/roster_chats.h"

namespace parta::messaging {
namespace {

using google::protobuf::util::TimeUtil;

// The chat, locked, with the caller's membership; PERMISSION_DENIED when he is not a member
// (or there is no such chat: foreign ids reveal nothing).
absl::StatusOr<std::pair<Chat, Membership>> LockForMember(pqxx::transaction_base& tx,
                                                          const std::string& chat_id,
                                                          const std::string& caller) {
  std::optional<ChatAccess> access = LockChat(tx, chat_id, caller);
  if (!access || !access->member) return NotChatMember();
  return std::make_pair(std::move(access->chat), *access->member);
}

std::string Sha256(const std::string& material) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// What makes two sends the same: everything asked but the request id.
std::string RequestHash(const v1::SendMessageRequest& req) {
  v1::SendMessageRequest asked = req;
  asked.clear_request_id();
  return Sha256(asked.SerializeAsString());
}

// The same for call notices. The request type's name leads, so that a notice and a send never
// hash alike (they share the author's request ids in a chat).
std::string RequestHash(const v1::PostCallNoticeRequest& req) {
  v1::PostCallNoticeRequest asked = req;
  asked.clear_request_id();
  return Sha256(asked.GetTypeName() + '\0' + asked.SerializeAsString());
}

// The same for journal notices, without what the request may carry but is not used (the notice's
// output-only source and journal id, a pupil of a notice to a class's chat) or what does not
// name the chat of a notice to a family (the pupil's class, which may change between retries).
std::string RequestHash(const v1::PostJournalNoticeRequest& req) {
  v1::PostJournalNoticeRequest asked = req;
  asked.clear_journal_id();
  if (asked.audience() == v1::JOURNAL_AUDIENCE_FAMILY) {
    asked.clear_class_id();
  } else {
    asked.clear_pupil_id();
  }
  asked.mutable_notice()->clear_source();
  asked.mutable_notice()->clear_journal_id();
  return Sha256(asked.GetTypeName() + '\0' + asked.SerializeAsString());
}

// A kind and an audience it knows, a text of 1-4,000 characters, a subject up to 200, a due date
// that is a date.
absl::Status ValidateJournalNotice(const v1::JournalNotice& notice,
                                   v1::JournalAudience audience) {
  auto invalid = [](absl::string_view why) {
    return InvalidArgument("INVALID_JOURNAL_NOTICE", why);
  };
  if (!v1::JournalNoticeKind_IsValid(notice.kind()) ||
      notice.kind() == v1::JOURNAL_NOTICE_KIND_UNSPECIFIED) {
    return invalid("kind is homework, a grade or an attendance note");
  }
  if (audience != v1::JOURNAL_AUDIENCE_CLASS && audience != v1::JOURNAL_AUDIENCE_PARENTS &&
      audience != v1::JOURNAL_AUDIENCE_FAMILY) {
    return invalid("audience is the class, its parents or a pupil's family");
  }
  if (!ValidateText(notice.text()).ok() || text::Utf8Length(notice.text()) > 4000) {
    return invalid("text is 1-4,000 characters of UTF-8");
  }
  const int subject = text::Utf8Length(notice.subject());
  if (subject < 0 || subject > 200) return invalid("subject is up to 200 characters of UTF-8");
  absl::CivilDay day;
  // A date that is one as written (ParseCivilTime would carry 30 February into March).
  if (!notice.due_date().empty() &&
      (!absl::ParseCivilTime(notice.due_date(), &day) ||
       absl::FormatCivilTime(day) != notice.due_date())) {
    return invalid("due_date is YYYY-MM-DD");
  }
  return absl::OkStatus();
}

// The region of a school as the directory's events told it; empty when none did.
std::string SchoolRegion(pqxx::transaction_base& tx, const std::string& school_id) {
  pqxx::result rows = tx.exec_params(
      "SELECT region_code FROM school_regions WHERE school_id = $1", school_id);
  return rows.empty() ? "" : rows[0][0].as<std::string>();
}

// A start names the call and nothing else; an end adds its length and how many took part.
absl::Status ValidateCallNotice(const v1::CallNotice& notice) {
  auto invalid = [](absl::string_view why) { return InvalidArgument("INVALID_CALL_NOTICE", why); };
  if (!ValidateRequestId(notice.call_id()).ok()) {  // opaque, as request ids are
    return invalid("call_id is 1-64 printable ASCII characters");
  }
  switch (notice.kind()) {
    case v1::CALL_NOTICE_KIND_STARTED:
      if (notice.has_duration() || notice.participant_count() != 0) {
        return invalid("a call's start carries no duration and no participant count");
      }
      return absl::OkStatus();
    case v1::CALL_NOTICE_KIND_ENDED: {
      if (!notice.has_duration()) return invalid("a call's end carries its duration");
      ASSIGN_OR_RETURN(absl::Duration duration,
                       grpc::DurationOf(notice.duration(), "INVALID_CALL_NOTICE"));
      if (duration < absl::ZeroDuration()) return invalid("a call's duration is zero or more");
      if (notice.participant_count() < 0) {
        return invalid("a call's participant count is zero or more");
      }
      return absl::OkStatus();
    }
    default:
      break;
  }
  return invalid("kind is CALL_NOTICE_KIND_STARTED or CALL_NOTICE_KIND_ENDED");
}

// Whether `user_id` is or ever was a member of the chat (his row stays after he leaves).
bool EverMember(pqxx::transaction_base& tx, const std::string& chat_id,
                const std::string& user_id) {
  return !pg::ExecPrepared(tx, "messaging_ever_member",
                           "SELECT 1 FROM chat_members WHERE chat_id = $1::uuid "
                           "AND user_id = $2::uuid",
                           chat_id, user_id)
              .empty();
}

// The message `author` posted in the chat with `request_id` before (the post is a retry, also
// one racing the first call: it waited for the chat's lock), when what was asked then hashes
// as `request_hash`; ALREADY_EXISTS `REQUEST_ID_REUSED` when it was something else.
absl::StatusOr<v1::Message> EarlierPost(pqxx::transaction_base& tx, const std::string& chat_id,
                                        const std::string& author, const std::string& request_id,
                                        const std::string& request_hash) {
  pqxx::result earlier = pg::ExecPrepared(
      tx, "messaging_message_by_request",
      std::string("SELECT ") + kMessageColumns +
          ", m.request_hash FROM messages m "
          "WHERE m.chat_id = $1::uuid AND m.author_id = $2::uuid AND m.request_id = $3",
      chat_id, author, request_id);
  pqxx::binarystring hash(earlier[0][kMessageColumnCount]);
  if (hash.str() != request_hash) {
    return AlreadyExists("REQUEST_ID_REUSED", "this request_id was used for another message");
  }
  v1::Message message = MessageFromRow(chat_id, earlier[0]);
  Decorate(tx, author, {&message});
  return message;
}

std::vector<std::string> MentionedUsers(const v1::Text& text) {
  std::vector<std::string> users;
  for (const v1::Mention& mention : text.mentions()) {
    if (mention.has_user_id()) users.push_back(mention.user_id());
  }
  return users;
}

bool MentionsAll(const v1::Text& text) {
  for (const v1::Mention& mention : text.mentions()) {
    if (mention.has_all() && mention.all()) return true;
  }
  return false;
}

absl::Status ValidateTextContent(const v1::Text& text) {
  RETURN_IF_ERROR(ValidateText(text.body()));
  return ValidateMentions(MentionedUsers(text));
}

// The parts of a message's text an edit changes: those its update_mask names.
struct TextEdit {
  bool body = false;
  bool mentions = false;
};

// As UpdateChat: a mask naming nothing, or a path of no editable field, is INVALID_ARGUMENT
// `INVALID_UPDATE_MASK`.
absl::StatusOr<TextEdit> TextEditOf(const google::protobuf::FieldMask& mask) {
  if (mask.paths().empty()) {
    return InvalidArgument("INVALID_UPDATE_MASK", "update_mask names the fields to change");
  }
  TextEdit edit;
  for (const std::string& path : mask.paths()) {
    if (path == "text" || path == "text.body") edit.body = true;
    if (path == "text" || path == "text.mentions") edit.mentions = true;
    if (path != "text" && path != "text.body" && path != "text.mentions") {
      return InvalidArgument("INVALID_UPDATE_MASK",
                             "update_mask holds text, text.body or text.mentions");
    }
  }
  return edit;
}

absl::Status ValidateContent(const v1::SendMessageRequest& req) {
  switch (req.content_case()) {
    case v1::SendMessageRequest::kText:
      return ValidateTextContent(req.text());
    case v1::SendMessageRequest::kPoll: {
      std::vector<std::string> options;
      for (const v1::PollOption& option : req.poll().options()) options.push_back(option.text());
      return ValidatePoll(req.poll().question(), options);
    }
    case v1::SendMessageRequest::kAward:
      if (req.award().badge() == v1::BADGE_UNSPECIFIED || !v1::Badge_IsValid(req.award().badge()) ||
          !IsUuid(req.award().student_id())) {
        return InvalidArgument("INVALID_AWARD", "an award names a student and a known badge");
      }
      return ValidateAwardComment(req.award().comment());
    case v1::SendMessageRequest::kForward:
      if (!IsUuid(req.forward().chat_id()) || !IsUuid(req.forward().message_id())) {
        return InvalidArgument("FORWARD_NOT_FOUND", "forward names a chat and a message by id");
      }
      return absl::OkStatus();
    case v1::SendMessageRequest::CONTENT_NOT_SET:
      break;
  }
  return InvalidArgument("EMPTY_MESSAGE", "a message needs content (text, poll, award, forward)");
}

// Every mentioned person is an active member of the chat.
absl::Status CheckMentions(pqxx::transaction_base& tx, const Chat& chat,
                           const std::vector<std::string>& users) {
  if (users.empty()) return absl::OkStatus();
  absl::flat_hash_set<std::string> distinct(users.begin(), users.end());
  int members = pg::ExecPrepared(tx, "messaging_count_members",
                                 "SELECT count(*) FROM chat_members WHERE chat_id = $1::uuid "
                                 "AND active AND user_id = ANY($2::uuid[])",
                                 chat.id, ArrayLiteral({distinct.begin(), distinct.end()}))[0][0]
                    .as<int>();
  if (members == static_cast<int>(distinct.size())) return absl::OkStatus();
  return InvalidArgument("INVALID_MENTION", "a mentioned person is not in this chat");
}

bool ActiveMember(pqxx::transaction_base& tx, const std::string& chat_id,
                  const std::string& user_id) {
  return !pg::ExecPrepared(tx, "messaging_is_member",
                           "SELECT 1 FROM chat_members WHERE chat_id = $1::uuid "
                           "AND user_id = $2::uuid AND active",
                           chat_id, user_id)
              .empty();
}

// Whether `member` may mention everyone, if `text` does: the chat's `mention_all` setting decides.
absl::Status CheckMentionAll(const Chat& chat, const Membership& member, const v1::Text& text) {
  if (MentionsAll(text) && !InAudience(chat.kind, chat.settings.mention_all, member.role)) {
    return PermissionDenied("MENTION_ALL_NOT_ALLOWED",
                            "the chat's settings do not let the caller mention everyone");
  }
  return absl::OkStatus();
}

// Fills `message`'s content from the request, checking what depends on the chat.
absl::Status Compose(pqxx::transaction_base& tx, const std::string& caller, const Chat& chat,
                     const Membership& member, const v1::SendMessageRequest& req,
                     v1::Message& message) {
  switch (req.content_case()) {
    case v1::SendMessageRequest::kText:
      RETURN_IF_ERROR(CheckMentions(tx, chat, MentionedUsers(req.text())));
      RETURN_IF_ERROR(CheckMentionAll(chat, member, req.text()));
      *message.mutable_text() = req.text();
      return absl::OkStatus();
    case v1::SendMessageRequest::kPoll: {
      v1::Poll& poll = *message.mutable_poll();
      poll.set_question(req.poll().question());
      poll.set_anonymous(req.poll().anonymous());
      poll.set_multiple_choice(req.poll().multiple_choice());
      for (const v1::PollOption& option : req.poll().options()) {
        poll.add_options()->set_text(option.text());
      }
      return absl::OkStatus();
    }
    case v1::SendMessageRequest::kAward:
      if (member.role < ChatRole::kModerator ||
          !HoldsRole(tx, chat.school_id, caller, SchoolRole::kTeacher)) {
        return PermissionDenied("AWARDS_BY_TEACHERS",
                                "awards are given by teachers moderating the chat");
      }
      if (!ActiveMember(tx, chat.id, req.award().student_id()) ||
          !HoldsRole(tx, chat.school_id, req.award().student_id(), SchoolRole::kStudent)) {
        return InvalidArgument("AWARD_NOT_TO_STUDENT", "awards go to students of the chat");
      }
      *message.mutable_award() = req.award();
      return absl::OkStatus();
    case v1::SendMessageRequest::kForward: {
      absl::Status not_found = InvalidArgument(
          "FORWARD_NOT_FOUND", "the message to forward is not one the caller reads");
      std::optional<ChatAccess> source = ReadChat(tx, req.forward().chat_id(), caller);
      if (!source || !source->member) return not_found;
      absl::StatusOr<v1::Message> original = FindMessage(
          tx, source->chat.id, req.forward().message_id(), source->member->history_start);
      if (!original.ok() || original->deleted()) return not_found;
      if (original->has_call() || original->has_journal()) {
        // A notice stands for a call of its own chat, or speaks for the journal that posted it.
        return InvalidArgument("NOT_FORWARDABLE", "a call's or a journal's notice is not forwarded");
      }
      v1::Message copy;
      copy.ParseFromString(StoredPart(*original));
      copy.clear_acknowledgement_requested();
      if (!copy.has_forwarded_from()) {
        v1::ForwardOrigin& origin = *copy.mutable_forwarded_from();
        origin.set_chat_id(original->chat_id());
        origin.set_message_id(original->id());
        origin.set_author_id(original->author_id());
        *origin.mutable_create_time() = original->create_time();
      }
      message.MergeFrom(copy);
      return absl::OkStatus();
    }
    case v1::SendMessageRequest::CONTENT_NOT_SET:
      break;
  }
  return InvalidArgument("EMPTY_MESSAGE", "a message needs content");
}

}  // namespace

Messages::Messages(pg::Pool& pool, IdGenerator& ids, const Clock& clock, MessagingSettings settings,
                   std::function<void()> committed)
    : pool_(pool),
      ids_(ids),
      clock_(clock),
      settings_(settings),
      committed_(std::move(committed)) {}

absl::StatusOr<std::string> Messages::Check(const v1::SendMessageRequest& req) const {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  RETURN_IF_ERROR(ValidateContent(req));
  RETURN_IF_ERROR(ValidateAttachments({req.attachment_ids().begin(), req.attachment_ids().end()}));
  if (!req.reply_to_message_id().empty()) {
    RETURN_IF_ERROR(ValidateMessageId(req.reply_to_message_id()));
  }
  return RequestHash(req);
}

// The rows of new messages of one transaction, written together in one round trip, and the
// content versions they carry (message_attachments) in one more when there are any.
class MessageRows {
 public:
  void Add(const v1::Message& message, const std::string& request_hash) {
    // A version attached twice (by the author and by the message he forwards) is one row.
    absl::flat_hash_set<std::string> attached;
    for (const std::string& version_id : message.attachment_ids()) {
      if (!attached.insert(version_id).second) continue;
      attached_versions_.push_back(version_id);
      attached_chats_.push_back(message.chat_id());
      attached_sequences_.push_back(message.sequence());
    }
    chat_ids_.push_back(message.chat_id());
    sequences_.push_back(message.sequence());
    ids_.push_back(message.id());
    authors_.push_back(message.author_id());
    request_ids_.push_back(message.request_id());
    hashes_.push_back(pg::Hex(request_hash));
    replies_to_.push_back(message.reply_to_message_id());
    contents_.push_back(pg::Hex(StoredPart(message)));
    bodies_.push_back(SearchableText(message));
    created_.push_back(TimeUtil::TimestampToMicroseconds(message.create_time()));
  }

  void Write(pqxx::transaction_base& tx) const {
    if (chat_ids_.empty()) return;
    pg::ExecPrepared(
        tx, "messaging_insert_messages",
        "INSERT INTO messages (chat_id, sequence, id, author_id, request_id, request_hash, "
        "reply_to, content, body, created_at) "
        "SELECT r.chat_id, r.sequence, r.id, r.author_id, r.request_id, decode(r.hash, 'hex'), "
        "nullif(r.reply_to, '')::uuid, decode(r.content, 'hex'), r.body, " PARTA_PG_TS(
            "r.created") " "
        "FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], "
        "$7::text[], $8::text[], $9::text[], $10::bigint[]) AS r(chat_id, sequence, id, "
        "author_id, request_id, hash, reply_to, content, body, created)",
        pg::TextArray(chat_ids_), pg::Int64Array(sequences_), pg::TextArray(ids_),
        pg::TextArray(authors_), pg::TextArray(request_ids_), pg::TextArray(hashes_),
        pg::TextArray(replies_to_), pg::TextArray(contents_), pg::TextArray(bodies_),
        pg::Int64Array(created_));
    if (attached_versions_.empty()) return;
    pg::ExecPrepared(tx, "messaging_insert_message_attachments",
                     "INSERT INTO message_attachments (version_id, chat_id, sequence) "
                     "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[])",
                     pg::TextArray(attached_versions_), pg::TextArray(attached_chats_),
                     pg::Int64Array(attached_sequences_));
  }

 private:
  std::vector<std::string> chat_ids_, ids_, authors_, request_ids_, hashes_, replies_to_, contents_,
      bodies_;
  std::vector<int64_t> sequences_, created_;
  std::vector<std::string> attached_versions_, attached_chats_;
  std::vector<int64_t> attached_sequences_;
};

// What a batch of sends shares: each chat as the batch has numbered it, the changes and rows
// to write, and the sends made so far by (chat, author, request id).
struct Messages::BatchState {
  absl::flat_hash_map<std::string, Chat> chats;
  ChangeBatch changes;
  MessageRows rows;
  // (chat, author, request id) → the index of its send's result.
  absl::flat_hash_map<std::tuple<std::string, std::string, std::string>, size_t> made;
};

std::vector<absl::StatusOr<v1::Message>> Messages::SendAllIn(
    pqxx::transaction_base& tx, const std::vector<const SendJob*>& jobs, bool& appended) {
  std::vector<SendKey> keys;
  for (const SendJob* job : jobs) {
    keys.push_back({job->request.chat_id(), job->caller, job->request.request_id()});
  }
  const std::vector<SendLock> locks = LockChatsForSends(tx, keys);
  BatchState batch;
  std::vector<absl::StatusOr<v1::Message>> results;
  const absl::Time now = clock_.Now();
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto key = std::make_tuple(keys[i].chat_id, keys[i].user_id, keys[i].request_id);
    if (auto made = batch.made.find(key); made != batch.made.end()) {
      // The same request twice in one batch: the second is a retry of the first.
      const SendJob& first = *jobs[made->second];
      if (first.request_hash != jobs[i]->request_hash && results[made->second].ok()) {
        results.push_back(
            AlreadyExists("REQUEST_ID_REUSED", "this request_id was used for another message"));
      } else {
        absl::StatusOr<v1::Message> same = results[made->second];
        results.push_back(std::move(same));
      }
      continue;
    }
    results.push_back(SendOne(tx, *jobs[i], locks[i], now, batch));
    batch.made.emplace(std::move(key), i);
  }
  appended = !batch.changes.empty();
  batch.changes.Write(tx);
  batch.rows.Write(tx);
  return results;
}

absl::StatusOr<v1::Message> Messages::SendOne(pqxx::transaction_base& tx, const SendJob& job,
                                              const SendLock& lock, absl::Time now,
                                              BatchState& batch) {
  const std::string& caller = job.caller;
  const v1::SendMessageRequest& req = job.request;
  if (!lock.access || !lock.access->member) return NotChatMember();
  // The batch's view of the chat: its counter advances with each send numbered in it.
  Chat& chat = batch.chats.try_emplace(lock.access->chat.id, lock.access->chat).first->second;
  const Membership& member = *lock.access->member;
  if (lock.sent_before) {
    return EarlierPost(tx, req.chat_id(), caller, req.request_id(), job.request_hash);
  }
  RETURN_IF_ERROR(MayPost(chat, member, now));
  if (req.request_acknowledgement()) {
    RETURN_IF_ERROR(MayRequestAcknowledgement(chat, member.role));
  }
  if (!req.reply_to_message_id().empty() &&
      pg::ExecPrepared(tx, "messaging_reply_target",
                       "SELECT 1 FROM messages WHERE chat_id = $1::uuid AND id = $2::uuid "
                       "AND sequence >= $3",
                       req.chat_id(), req.reply_to_message_id(), member.history_start)
          .empty()) {
    return InvalidArgument("REPLY_NOT_FOUND", "the message answered is not in this chat");
  }
  v1::Message message;
  RETURN_IF_ERROR(Compose(tx, caller, chat, member, req, message));
  message.set_reply_to_message_id(req.reply_to_message_id());
  for (const std::string& id : req.attachment_ids()) message.add_attachment_ids(id);
  message.set_acknowledgement_requested(req.request_acknowledgement());
  return Post(chat, std::move(message), caller, req.request_id(), job.request_hash, now, batch);
}

v1::Message Messages::Post(Chat& chat, v1::Message message, const std::string& author,
                           const std::string& request_id, const std::string& request_hash,
                           absl::Time now, BatchState& batch) {
  message.set_chat_id(chat.id);
  message.set_id(ids_.NewId());
  message.set_sequence(chat.last_sequence + 1);  // the row is locked: the next change's
  message.set_author_id(author);
  message.set_request_id(request_id);
  *message.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(pg::ToMicros(now));
  events::v1::ChatChange change;
  change.set_actor_id(author);
  *change.mutable_message_posted() = message;
  batch.changes.Append(chat, std::move(change), ids_, now);
  batch.rows.Add(message, request_hash);
  return message;
}

absl::StatusOr<v1::Message> Messages::PostCallNotice(const v1::PostCallNoticeRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  if (!IsUuid(req.author_id())) {
    return InvalidArgument("INVALID_USER_ID", "author_id is an account id");
  }
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  RETURN_IF_ERROR(ValidateCallNotice(req.notice()));
  const std::string request_hash = RequestHash(req);
  bool appended = false;
  absl::StatusOr<v1::Message> posted =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        appended = false;
        // Locked as a send's chat is: one order with every other change of the chat.
        const SendLock lock =
            LockChatsForSends(tx, {{req.chat_id(), req.author_id(), req.request_id()}}).front();
        if (!lock.access) return NotFound("CHAT_NOT_FOUND", "no such chat");
        if (!lock.access->member && !EverMember(tx, req.chat_id(), req.author_id())) {
          return Error(absl::StatusCode::kFailedPrecondition, "AUTHOR_NOT_MEMBER",
                       "the call's host never was a member of this chat");
        }
        v1::Message notice;
        *notice.mutable_call() = req.notice();
        return PostNotice(tx, lock, std::move(notice), req.author_id(), req.request_id(),
                          request_hash, appended);
      });
  if (posted.ok() && appended) committed_();
  return posted;
}

absl::StatusOr<v1::Message> Messages::PostNotice(pqxx::transaction_base& tx, const SendLock& lock,
                                                 v1::Message notice, const std::string& author,
                                                 const std::string& request_id,
                                                 const std::string& request_hash,
                                                 bool& appended) {
  const Chat& locked = lock.access->chat;
  if (lock.sent_before) return EarlierPost(tx, locked.id, author, request_id, request_hash);
  if (locked.archived) return ChatArchived();
  Chat chat = locked;
  BatchState batch;
  v1::Message message =
      Post(chat, std::move(notice), author, request_id, request_hash, clock_.Now(), batch);
  batch.changes.Write(tx);
  batch.rows.Write(tx);
  appended = true;
  return message;
}

absl::StatusOr<v1::Message> Messages::PostJournalNotice(const auth::Claims& client,
                                                        const v1::PostJournalNoticeRequest& req) {
  // Whose school first: a client limited to some schools learns nothing of the others.
  if (client.LimitedToSchools()) {
    std::string region;
    if (IsUuid(req.school_id())) {
      ASSIGN_OR_RETURN(region, pool_.TransactFor<std::string>(
                                   [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
                                     return SchoolRegion(tx, req.school_id());
                                   }));
    }
    if (!client.CoversSchool(absl::AsciiStrToLower(req.school_id()), region)) {
      return PermissionDenied("SCHOOL_NOT_IN_CLIENT_SCOPE", "this client may not touch the school");
    }
  }
  if (!IsUuid(req.school_id())) return InvalidArgument("INVALID_SCHOOL_ID", "not a school id");
  if (!IsUuid(req.class_id())) return InvalidArgument("INVALID_CLASS_ID", "not a class id");
  if (!ValidateRequestId(req.journal_id()).ok()) {
    return InvalidArgument("INVALID_JOURNAL_ID", "journal_id is 1-64 printable ASCII characters");
  }
  RETURN_IF_ERROR(ValidateJournalNotice(req.notice(), req.audience()));
  const bool family = req.audience() == v1::JOURNAL_AUDIENCE_FAMILY;
  if (family && !IsUuid(req.pupil_id())) {
    return InvalidArgument("INVALID_PUPIL_ID", "a notice to a family names its pupil");
  }
  const std::string request_hash = RequestHash(req);
  const ChatKind kind = req.audience() == v1::JOURNAL_AUDIENCE_CLASS ? ChatKind::kClassStudents
                                                                      : ChatKind::kClassParents;
  bool appended = false;
  absl::StatusOr<v1::Message> posted =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        appended = false;
        absl::Status not_found = NotFound("CHAT_NOT_FOUND", "the school's class has no such chat");
        std::string chat_id;
        if (family) {
          RosterChats roster(ids_, clock_);
          ASSIGN_OR_RETURN(chat_id, roster.OpenFamilyChat(tx, req.school_id(), req.class_id(),
                                                          req.pupil_id()));
        } else {
          pqxx::result found = tx.exec_params(
              "SELECT id::text FROM chats WHERE class_id = $1 AND kind = $2 AND school_id = $3",
              req.class_id(), std::string(NameOf(kind)), req.school_id());
          if (found.empty()) return not_found;
          chat_id = found[0][0].as<std::string>();
        }
        // Locked as a send's chat is: one order with every other change of the chat.
        const SendLock lock =
            LockChatsForSends(tx, {{chat_id, client.client_id, req.journal_id()}}).front();
        if (!lock.access) return not_found;
        v1::Message notice;
        v1::JournalNotice& journal = *notice.mutable_journal();
        journal = req.notice();
        journal.set_source(client.client_name.empty() ? client.client_id : client.client_name);
        journal.set_journal_id(req.journal_id());
        return PostNotice(tx, lock, std::move(notice), client.client_id, req.journal_id(),
                          request_hash, appended);
      });
  if (posted.ok() && appended) committed_();
  return posted;
}

absl::StatusOr<v1::Message> Messages::Send(const std::string& caller,
                                           const v1::SendMessageRequest& req) {
  ASSIGN_OR_RETURN(std::string request_hash, Check(req));
  const SendJob job{.caller = caller, .request = req, .request_hash = std::move(request_hash)};
  bool appended = false;
  absl::StatusOr<v1::Message> sent =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        return std::move(SendAllIn(tx, {&job}, appended).front());
      });
  if (sent.ok() && appended) committed_();
  return sent;
}

absl::StatusOr<v1::Message> Messages::Edit(const std::string& caller,
                                           const v1::EditMessageRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateMessageId(req.message_id()));
  ASSIGN_OR_RETURN(TextEdit edit, TextEditOf(req.update_mask()));
  if (edit.body) RETURN_IF_ERROR(ValidateText(req.text().body()));
  if (edit.mentions) RETURN_IF_ERROR(ValidateMentions(MentionedUsers(req.text())));
  bool appended = false;
  absl::StatusOr<v1::Message> edited =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        appended = false;
        ASSIGN_OR_RETURN(auto locked, LockForMember(tx, req.chat_id(), caller));
        auto& [chat, member] = locked;
        ASSIGN_OR_RETURN(v1::Message message,
                         FindMessage(tx, chat.id, req.message_id(), member.history_start));
        RETURN_IF_ERROR(MayEdit(chat, caller, message.author_id()));
        absl::Time now = clock_.Now();
        if (member.muted_until > now) {
          return PermissionDenied("MEMBER_MUTED", "a moderator muted the caller in this chat");
        }
        if (message.deleted()) {
          return MessageDeleted();
        }
        if (!message.has_text()) {
          return Error(absl::StatusCode::kFailedPrecondition, "NOT_TEXT",
                       "only text messages are edited");
        }
        // What the mask leaves out stays as it is.
        v1::Text text = message.text();
        if (edit.body) text.set_body(req.text().body());
        if (edit.mentions) {
          *text.mutable_mentions() = req.text().mentions();
          RETURN_IF_ERROR(CheckMentions(tx, chat, MentionedUsers(text)));
          // An @all the message already had stays; adding one takes the chat's leave.
          if (!MentionsAll(message.text())) RETURN_IF_ERROR(CheckMentionAll(chat, member, text));
        }
        if (message.text().SerializeAsString() == text.SerializeAsString()) {
          Decorate(tx, caller, {&message});
          return message;
        }
        std::string before = StoredPart(message);
        tx.exec_params(
            "INSERT INTO message_versions (message_id, content, reason, replaced_at) "
            "VALUES ($1, $2, 'edited', " PARTA_PG_TS("$3") ")",
            message.id(), pqxx::binarystring(before.data(), before.size()), pg::ToMicros(now));
        *message.mutable_text() = std::move(text);
        *message.mutable_edit_time() = TimeUtil::MicrosecondsToTimestamp(pg::ToMicros(now));
        std::string stored = StoredPart(message);
        tx.exec_params("UPDATE messages SET content = $3, body = $4, edited_at = " PARTA_PG_TS(
                           "$5") " WHERE chat_id = $1 AND id = $2",
                       chat.id, message.id(), pqxx::binarystring(stored.data(), stored.size()),
                       SearchableText(message), pg::ToMicros(now));
        events::v1::ChatChange change;
        change.set_actor_id(caller);
        *change.mutable_message_edited() = message;
        if (SomeMemberCannotRead(tx, chat.id, message.sequence())) WithholdContent(change);
        AppendChange(tx, chat, std::move(change), ids_, now);
        Decorate(tx, caller, {&message});
        appended = true;
        return message;
      });
  if (edited.ok() && appended) committed_();
  return edited;
}

absl::StatusOr<v1::Message> Messages::Delete(const std::string& caller,
                                             const v1::DeleteMessageRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateMessageId(req.message_id()));
  bool appended = false;
  absl::StatusOr<v1::Message> deleted =
      pool_.TransactFor<v1::Message>([&](pqxx::work& tx) -> absl::StatusOr<v1::Message> {
        appended = false;
        ASSIGN_OR_RETURN(auto locked, LockForMember(tx, req.chat_id(), caller));
        auto& [chat, member] = locked;
        ASSIGN_OR_RETURN(v1::Message message,
                         FindMessage(tx, chat.id, req.message_id(), member.history_start));
        if (message.deleted()) return message;
        absl::Time now = clock_.Now();
        bool is_author = message.author_id() == caller;
        RETURN_IF_ERROR(
            MayDelete(chat, member.role, is_author,
                      pg::FromMicros(TimeUtil::TimestampToMicroseconds(message.create_time())), now,
                      settings_.delete_window));
        DeleteForEveryone(tx, chat, message, caller, now, ids_);
        if (!is_author) {
          LogModeration(tx,
                        {.school_id = chat.school_id,
                         .chat_id = chat.id,
                         .actor_id = caller,
                         .action = "delete_message",
                         .message_id = message.id(),
                         .target_user_id = message.author_id()},
                        now);
        }
        appended = true;
        return message;
      });
  if (deleted.ok() && appended) committed_();
  return deleted;
}

absl::StatusOr<v1::ListMessagesResponse> Messages::List(const std::string& caller,
                                                        const v1::ListMessagesRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 50, 200));
  if (req.before_sequence() < 0 || req.after_sequence() < 0 ||
      (req.before_sequence() > 0 && req.after_sequence() > 0)) {
    return InvalidArgument("INVALID_PAGE",
                           "give before_sequence or after_sequence (positive), not both");
  }
  return pool_.TransactFor<v1::ListMessagesResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListMessagesResponse> {
        tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        std::optional<ChatAccess> access = ReadChat(tx, req.chat_id(), caller);
        if (!access || !access->member) return NotChatMember();
        bool forward = req.after_sequence() > 0;
        pqxx::result rows =
            forward
                ? pg::ExecPrepared(
                      tx, "messaging_messages_after",
                      std::string("SELECT ") + kMessageColumns +
                          " FROM messages m WHERE m.chat_id = $1::uuid AND m.sequence > $2 "
                          "AND m.sequence >= $3 ORDER BY m.sequence LIMIT $4",
                      req.chat_id(), req.after_sequence(), access->member->history_start,
                      page_size + 1)
                : pg::ExecPrepared(
                      tx, "messaging_messages_before",
                      std::string("SELECT ") + kMessageColumns +
                          " FROM messages m WHERE m.chat_id = $1::uuid AND m.sequence < $2 "
                          "AND m.sequence >= $3 ORDER BY m.sequence DESC LIMIT $4",
                      req.chat_id(), req.before_sequence() > 0 ? req.before_sequence() : INT64_MAX,
                      access->member->history_start, page_size + 1);
        v1::ListMessagesResponse response;
        std::vector<v1::Message*> page;
        for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
          v1::Message* message = response.add_messages();
          *message = MessageFromRow(req.chat_id(), rows[i]);
          page.push_back(message);
        }
        Decorate(tx, caller, page);
        response.set_has_more(static_cast<int>(rows.size()) > page_size);
        return response;
      });
}

absl::StatusOr<v1::ListMessageVersionsResponse> Messages::Versions(
    const std::string& caller, const v1::ListMessageVersionsRequest& req) {
  RETURN_IF_ERROR(ValidateChatId(req.chat_id()));
  RETURN_IF_ERROR(ValidateMessageId(req.message_id()));
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 50, 200));
  const std::string scope = absl::StrCat(req.chat_id(), "/", req.message_id());
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(req.page_token(), "versions", scope, 1));
  int64_t after = 0;
  if (!key.empty() && (!absl::SimpleAtoi(key[0], &after) || after < 0)) {
    return InvalidPageToken();
  }
  return pool_.TransactFor<v1::ListMessageVersionsResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListMessageVersionsResponse> {
        std::optional<ChatAccess> access = ReadChat(tx, req.chat_id(), caller);
        if (!access || !access->member) return NotChatMember();
        RETURN_IF_ERROR(MayModerate(access->member->role));
        ASSIGN_OR_RETURN(v1::Message message, FindMessage(tx, req.chat_id(), req.message_id(),
                                                          access->member->history_start));
        v1::ListMessageVersionsResponse response;
        pqxx::result rows = tx.exec_params(
            "SELECT content, " PARTA_PG_US("replaced_at") ", reason, version "
            "FROM message_versions WHERE message_id = $1 AND version > $2 "
            "ORDER BY version LIMIT $3",
            message.id(), after, page_size + 1);
        for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
          const pqxx::row& row = rows[i];
          if (i + 1 == page_size && static_cast<int>(rows.size()) > page_size) {
            response.set_next_page_token(
                EncodePageToken("versions", scope, {row[3].as<std::string>()}));
          }
          v1::MessageVersion& version = *response.add_versions();
          version.mutable_content()->ParseFromString(pqxx::binarystring(row[0]).str());
          *version.mutable_replace_time() = TimeUtil::MicrosecondsToTimestamp(row[1].as<int64_t>());
          version.set_reason(row[2].as<std::string>());
        }
        return response;
      });
}

}  // namespace parta::messaging
