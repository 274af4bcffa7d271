#include "services/content/files/items.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/page_token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/content/domain/validation.h"

namespace parta::content {
namespace {

constexpr absl::string_view kMyFilesList = "content.my-files";

}  // namespace

absl::StatusOr<v1::Item> Items::Get(const std::string& caller, const std::string& item_id) {
  RETURN_IF_ERROR(CheckId(item_id, "INVALID_ITEM_ID"));
  return store_.GetItem(item_id, caller);
}

absl::StatusOr<v1::ListMyFilesResponse> Items::ListMine(const std::string& caller,
                                                        const v1::ListMyFilesRequest& req) {
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 50, 100));
  ASSIGN_OR_RETURN(const std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kMyFilesList, caller, 2));
  std::optional<ContentStore::ItemKey> after;
  if (!key.empty()) {
    int64_t micros = 0;
    if (!absl::SimpleAtoi(key[0], &micros) || !IsUuid(key[1])) return InvalidPageToken();
    after = ContentStore::ItemKey{.create_time = absl::FromUnixMicros(micros), .id = key[1]};
  }
  ASSIGN_OR_RETURN(std::vector<v1::Item> items, store_.ListItems(caller, after, page_size + 1));
  v1::ListMyFilesResponse response;
  const bool more = static_cast<int>(items.size()) > page_size;
  if (more) items.resize(static_cast<size_t>(page_size));
  for (v1::Item& item : items) *response.add_items() = std::move(item);
  if (more) {
    const v1::Item& last = response.items(page_size - 1);
    const int64_t micros =
        last.create_time().seconds() * 1000000 + last.create_time().nanos() / 1000;
    response.set_next_page_token(
        EncodePageToken(kMyFilesList, caller, {absl::StrCat(micros), last.id()}));
  }
  return response;
}

absl::Status Items::Delete(const std::string& caller, const std::string& item_id) {
  RETURN_IF_ERROR(CheckId(item_id, "INVALID_ITEM_ID"));
  ASSIGN_OR_RETURN(const std::vector<std::string> blobs, store_.DeleteItem(item_id, caller));
  for (const std::string& sha256 : blobs) {
    // A blob left behind by a failure here is removed by the next deletion of the same bytes.
    absl::StatusOr<bool> removed =
        store_.RemoveBlobIfUnused(sha256, [&] { return blobs_.Remove(sha256); });
    if (!removed.ok()) {
      log::Warning("unused blob not removed")
          .With("blob", sha256)
          .With("error", removed.status().ToString());
    }
  }
  return absl::OkStatus();
}

}  // namespace parta::content
