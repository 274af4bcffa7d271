#include "services/content/store/item_rows.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"

namespace parta::content {

std::string KindName(v1::ItemKind kind) {
  switch (kind) {
    case v1::ITEM_KIND_DOCUMENT:
      return "document";
    case v1::ITEM_KIND_IMAGE:
      return "image";
    case v1::ITEM_KIND_AUDIO:
      return "audio";
    case v1::ITEM_KIND_VIDEO:
      return "video";
    case v1::ITEM_KIND_ARTICLE:
      return "article";
    case v1::ITEM_KIND_LINK:
      return "link";
    default:
      return "file";
  }
}

namespace {

v1::ItemKind KindOfName(const std::string& name) {
  if (name == "document") return v1::ITEM_KIND_DOCUMENT;
  if (name == "image") return v1::ITEM_KIND_IMAGE;
  if (name == "audio") return v1::ITEM_KIND_AUDIO;
  if (name == "video") return v1::ITEM_KIND_VIDEO;
  if (name == "article") return v1::ITEM_KIND_ARTICLE;
  if (name == "link") return v1::ITEM_KIND_LINK;
  return v1::ITEM_KIND_FILE;
}

void SetTime(google::protobuf::Timestamp* out, int64_t micros) {
  *out = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
}

}  // namespace

v1::Version VersionOf(const pqxx::row& row, int first, const std::string& item_id) {
  v1::Version version;
  version.set_id(row[first].as<std::string>());
  version.set_item_id(item_id);
  version.set_number(row[first + 1].as<int32_t>());
  version.set_file_name(row[first + 2].as<std::string>());
  version.set_size(row[first + 3].as<int64_t>());
  version.set_media_type(row[first + 4].as<std::string>());
  version.set_sha256(row[first + 5].as<std::string>());
  version.set_scan_state(ScanStateOf(row[first + 6].as<std::string>()));
  SetTime(version.mutable_create_time(), row[first + 7].as<int64_t>());
  return version;
}

v1::Item ItemOf(const pqxx::row& row) {
  v1::Item item;
  item.set_id(row[0].as<std::string>());
  item.set_kind(KindOfName(row[1].as<std::string>()));
  item.set_owner_user_id(row[2].as<std::string>());
  item.set_title(row[3].as<std::string>());
  SetTime(item.mutable_create_time(), row[4].as<int64_t>());
  SetTime(item.mutable_update_time(), row[5].as<int64_t>());
  if (!row[6].is_null()) {  // articles and links have no versions
    *item.mutable_current_version() = VersionOf(row, 6, item.id());
    AddRenditions(row["renditions"].as<std::string>(), *item.mutable_current_version());
  }
  item.set_link_url(row["link_url"].as<std::string>());
  item.set_description(row[14].as<std::string>());
  item.set_subject(row[15].as<std::string>());
  for (absl::string_view grade :
       absl::StrSplit(row[16].as<std::string>(), ',', absl::SkipEmpty())) {
    int value = 0;
    if (absl::SimpleAtoi(grade, &value)) item.add_grades(value);
  }
  item.set_age_label(static_cast<v1::AgeLabel>(row[17].as<int>()));
  item.set_licence(row[18].as<std::string>());
  item.set_language(row[19].as<std::string>());
  for (absl::string_view school :
       absl::StrSplit(row[20].as<std::string>(), ',', absl::SkipEmpty())) {
    item.add_library_school_ids(std::string(school));
  }
  item.set_folder_id(row[21].as<std::string>());
  // "state:reason" of its platform entry, or "" for a draft.
  const std::string platform = row[22].as<std::string>();
  if (const size_t colon = platform.find(':'); colon != std::string::npos) {
    item.set_platform_state(PlatformStateOf(platform.substr(0, colon)));
    item.set_platform_reason(platform.substr(colon + 1));
  }
  return item;
}

v1::ScanState ScanStateOf(const std::string& name) {
  if (name == "clean") return v1::SCAN_STATE_CLEAN;
  if (name == "infected") return v1::SCAN_STATE_INFECTED;
  return v1::SCAN_STATE_PENDING;
}

v1::Item ForReader(v1::Item item, const std::string& reader) {
  if (item.owner_user_id() == reader) return item;
  item.clear_folder_id();
  item.clear_library_school_ids();
  item.clear_platform_state();
  item.clear_platform_reason();
  return item;
}

void RefreshSearchWords(pqxx::work& tx, const std::string& item_id) {
  // One expression for both kinds of library, so that an item is found alike in each.
  constexpr const char* kWords =
      "setweight(to_tsvector('russian', i.title), 'A') || "
      "setweight(to_tsvector('russian', i.subject || ' ' || i.description), 'B') || "
      "setweight(to_tsvector('russian', coalesce(v.text_content, a.body_text, '')), 'C') "
      "FROM items i LEFT JOIN LATERAL (SELECT text_content FROM versions WHERE item_id = i.id "
      "ORDER BY number DESC LIMIT 1) v ON true LEFT JOIN articles a ON a.item_id = i.id "
      "WHERE e.item_id = i.id AND i.id = $1";
  tx.exec_params(std::string("UPDATE library_entries e SET search = ") + kWords, item_id);
  tx.exec_params(std::string("UPDATE platform_entries e SET search = ") + kWords, item_id);
}

std::string ScanStateName(v1::ScanState state) {
  switch (state) {
    case v1::SCAN_STATE_CLEAN:
      return "clean";
    case v1::SCAN_STATE_INFECTED:
      return "infected";
    default:
      return "pending";
  }
}

std::string PlatformStateName(v1::PlatformState state) {
  switch (state) {
    case v1::PLATFORM_STATE_SUBMITTED:
      return "submitted";
    case v1::PLATFORM_STATE_PUBLISHED:
      return "published";
    case v1::PLATFORM_STATE_REJECTED:
      return "rejected";
    default:
      return "";
  }
}

v1::PlatformState PlatformStateOf(const std::string& name) {
  if (name == "submitted") return v1::PLATFORM_STATE_SUBMITTED;
  if (name == "published") return v1::PLATFORM_STATE_PUBLISHED;
  if (name == "rejected") return v1::PLATFORM_STATE_REJECTED;
  return v1::PLATFORM_STATE_UNSPECIFIED;
}

}  // namespace parta::content
