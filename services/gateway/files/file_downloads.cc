#include "services/gateway/files/file_downloads.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/gateway/files/byte_ranges.h"
#include "services/gateway/files/conditional_requests.h"
#include "services/gateway/files/multipart_ranges.h"
#include "services/gateway/rest/rest_handler.h"
#include "services/gateway/transcoding/content_disposition.h"

namespace parta::gateway {
namespace {

namespace cv1 = content::v1;

// The most bytes asked of one ReadContent (the service gives up to 2 MiB).
constexpr int64_t kReadBytes = 1024 * 1024;
// A piece sent from a local blob file: the read token is checked between pieces.
constexpr int64_t kFileSendBytes = 8 * 1024 * 1024;

// A file answer may be shown by the browser (inline images, PDFs): it must never run scripts or
// load anything, whatever the bytes turn out to be.
constexpr absl::string_view kFilePolicy = "default-src 'none'; sandbox";
// Revalidated on every use (If-None-Match, which goes through the access check again), never
// kept by shared caches: see services/gateway/README.md for why not no-store.
constexpr absl::string_view kFileCaching = "private, no-cache";

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// What the answer's body is made of, in order: literal bytes (multipart framing) and ranges of
// the file.
struct Segment {
  std::string literal;
  int64_t first = 0;
  int64_t length = 0;
};

// What an opened download serves: the version, or the rendition asked for.
struct Served {
  std::string sha256;
  std::string media_type;
  std::string file_name;
  int64_t size = 0;
};

Served ServedOf(const cv1::OpenDownloadResponse& opened) {
  if (opened.has_rendition()) {
    const cv1::Rendition& rendition = opened.rendition();
    return {rendition.sha256(), rendition.media_type(), rendition.file_name(), rendition.size()};
  }
  const cv1::Version& version = opened.version();
  return {version.sha256(), version.media_type(), version.file_name(), version.size()};
}

// Writes the segments one piece at a time: a literal, or one piece of the file, then waits
// for the client to take it before asking for more. A piece comes from the blob's own file when
// the gateway sees content's blob folder (LocalBlobs), otherwise from ReadContent. The read
// token is the only credential ReadContent needs, so the caller's bearer token is not sent with
// it (it may expire during a long download); when the read token expires midway (for local
// reads: when it would have) the download is opened again, once per token, as long as the
// caller's token or link still open it and the bytes are the same.
class DownloadPump : public std::enable_shared_from_this<DownloadPump> {
 public:
  DownloadPump(ContentCalls& content, LocalBlobs* local, std::shared_ptr<FileExchange> exchange,
               cv1::OpenDownloadRequest open, const cv1::OpenDownloadResponse& opened,
               std::vector<Segment> segments)
      : content_(content),
        local_(local),
        exchange_(std::move(exchange)),
        open_(std::move(open)),
        read_token_(opened.read_token()),
        read_expire_(ExpiryOf(opened)),
        sha256_(ServedOf(opened).sha256),
        segments_(std::move(segments)) {
    reader_ = exchange_->caller();
    reader_.token.clear();
  }

  // Finds the blob's file when the folder is local, then writes.
  void Start() {
    if (local_ == nullptr) return Next();
    local_->Open(sha256_, [self = shared_from_this()](std::shared_ptr<LocalBlobs::File> file) {
      self->file_ = std::move(file);
      self->Next();
    });
  }

  void Next() {
    while (index_ < segments_.size()) {
      Segment& segment = segments_[index_];
      if (!segment.literal.empty()) {
        std::string literal = std::move(segment.literal);
        segment.literal.clear();
        return Write(std::move(literal));
      }
      if (segment.length > 0) return Read();
      ++index_;
    }
    exchange_->transfer().EndResponse();
  }

 private:
  static absl::Time ExpiryOf(const cv1::OpenDownloadResponse& opened) {
    return absl::FromUnixSeconds(opened.read_expire_time().seconds()) +
           absl::Nanoseconds(opened.read_expire_time().nanos());
  }

  void Read() {
    if (file_ != nullptr) return SendLocal();
    const Segment& segment = segments_[index_];
    cv1::ReadContentRequest request;
    request.set_read_token(read_token_);
    request.set_offset(segment.first);
    request.set_length(std::min(kReadBytes, segment.length));
    content_.ReadContent(
        reader_, std::move(request),
        [self = shared_from_this()](absl::StatusOr<cv1::ReadContentResponse> response) {
          if (!response.ok() && ReasonOf(response.status()) == "READ_TOKEN_EXPIRED" &&
              !self->reopened_) {
            return self->Reopen();
          }
          if (!response.ok()) return self->Cut();
          self->Written(std::move(*response->mutable_data()));
        });
  }

  // A piece of the blob's file, while content's answer still stands: read ahead on the pool,
  // then sent from the page cache (sendfile), never copied through the gateway's memory.
  void SendLocal() {
    if (absl::Now() >= read_expire_ && !reopened_) return Reopen();
    const Segment& segment = segments_[index_];
    const int64_t length = std::min(kFileSendBytes, segment.length);
    local_->Prefetch(file_, segment.first, length, [self = shared_from_this(), length] {
      const Segment& segment = self->segments_[self->index_];
      self->exchange_->transfer().WriteFile(
          self->file_, static_cast<uint64_t>(segment.first), static_cast<uint64_t>(length),
          [self, length](bool written) {
            if (!written) return;  // the connection is closed: the answer is cut short
            Segment& segment = self->segments_[self->index_];
            segment.first += length;
            segment.length -= length;
            self->reopened_ = false;
            self->Next();
          });
    });
  }

  // Sends a piece read for the current segment.
  void Written(std::string bytes) {
    Segment& segment = segments_[index_];
    const int64_t size = static_cast<int64_t>(bytes.size());
    if (size == 0 || size > segment.length) return Cut();
    reopened_ = false;
    segment.first += size;
    segment.length -= size;
    Write(std::move(bytes));
  }

  void Reopen() {
    reopened_ = true;
    content_.OpenDownload(
        exchange_->caller(), open_,
        [self = shared_from_this()](absl::StatusOr<cv1::OpenDownloadResponse> opened) {
          if (!opened.ok() || ServedOf(*opened).sha256 != self->sha256_) return self->Cut();
          self->read_token_ = opened->read_token();
          self->read_expire_ = ExpiryOf(*opened);
          self->Read();
        });
  }

  // The headers are gone: the only way left to say the download failed is to cut it short.
  void Cut() { exchange_->transfer().EndResponse(); }

  void Write(std::string bytes) {
    exchange_->transfer().WriteBody(std::move(bytes), [self = shared_from_this()](bool written) {
      if (written) self->Next();
    });
  }

  ContentCalls& content_;
  LocalBlobs* const local_;                 // null: every piece through ReadContent
  std::shared_ptr<LocalBlobs::File> file_;  // the blob's file, when the folder has it
  const std::shared_ptr<FileExchange> exchange_;
  const cv1::OpenDownloadRequest open_;
  CallerMetadata reader_;  // the caller without his bearer token
  std::string read_token_;
  absl::Time read_expire_;
  const std::string sha256_;
  std::vector<Segment> segments_;
  size_t index_ = 0;
  bool reopened_ = false;  // since the last piece: a fresh token that fails again ends it
};

// The rendition named by `?rendition=`; "" and "original" are the file itself.
absl::StatusOr<cv1::RenditionKind> RenditionOfQuery(const std::string& value) {
  if (value.empty() || value == "original") return cv1::RENDITION_KIND_UNSPECIFIED;
  if (value == "thumbnail") return cv1::RENDITION_KIND_THUMBNAIL;
  if (value == "preview") return cv1::RENDITION_KIND_PREVIEW;
  return InvalidArgument("INVALID_RENDITION", "rendition is one of thumbnail, preview or original");
}

// Answers an opened download: 304, 416, or the head and then the bytes.
void Serve(ContentCalls& content, LocalBlobs* local, const std::shared_ptr<FileExchange>& exchange,
           cv1::OpenDownloadRequest open, const cv1::OpenDownloadResponse& opened) {
  const HttpRequest& request = exchange->request();
  // The bytes the read token opens: the file, or a rendition of it.
  const Served served = ServedOf(opened);
  const std::string etag = absl::StrCat("\"", served.sha256, "\"");
  const std::string media_type = IsPlainMediaType(served.media_type)
                                     ? served.media_type
                                     : std::string("application/octet-stream");
  const uint64_t size = static_cast<uint64_t>(std::max<int64_t>(0, served.size));

  HttpResponse head;
  head.content_type = media_type;
  head.headers.emplace_back("ETag", etag);
  head.headers.emplace_back("Accept-Ranges", "bytes");
  head.headers.emplace_back("Cache-Control", std::string(kFileCaching));
  head.headers.emplace_back("Content-Security-Policy", std::string(kFilePolicy));
  if (NoneMatchHolds(request.header("If-None-Match"), etag)) {
    head.status = 304;
    head.content_type.clear();
    return exchange->Respond(std::move(head));
  }
  head.headers.emplace_back(
      "Content-Disposition",
      ContentDisposition(served.file_name,
                         opened.inline_safe() ? Disposition::kInline : Disposition::kAttachment));

  // Ranges apply to GET only (RFC 9110 §14.2), and only while the client's copy is current.
  RangeRequest ranges;
  if (request.method == "GET" && IfRangeHolds(request.header("If-Range"), etag)) {
    ranges = ParseRange(request.header("Range"), size);
  }
  std::vector<Segment> segments;
  uint64_t content_length = 0;
  switch (ranges.kind) {
    case RangeRequest::Kind::kUnsatisfiable: {
      HttpResponse refusal =
          ErrorResponse(Error(absl::StatusCode::kOutOfRange, "RANGE_NOT_SATISFIABLE",
                              "no requested range overlaps the file"),
                        exchange->request_id(), 416);
      refusal.headers.emplace_back("Content-Range", absl::StrCat("bytes */", size));
      refusal.headers.emplace_back("Accept-Ranges", "bytes");
      return exchange->Respond(std::move(refusal));
    }
    case RangeRequest::Kind::kWhole:
      head.status = 200;
      segments.push_back({.literal = {}, .first = 0, .length = static_cast<int64_t>(size)});
      content_length = size;
      break;
    case RangeRequest::Kind::kRanges:
      head.status = 206;
      if (ranges.ranges.size() == 1) {
        const ByteRange& range = ranges.ranges.front();
        head.headers.emplace_back("Content-Range",
                                  absl::StrCat("bytes ", range.first, "-", range.last, "/", size));
        segments.push_back({.literal = {},
                            .first = static_cast<int64_t>(range.first),
                            .length = static_cast<int64_t>(range.length())});
        content_length = range.length();
      } else {
        const MultipartLayout layout = LayoutMultipart(ranges.ranges, size, media_type,
                                                       absl::BytesToHexString(RandomBytes(12)));
        head.content_type = layout.content_type;
        for (size_t i = 0; i < ranges.ranges.size(); ++i) {
          segments.push_back({.literal = layout.part_heads[i],
                              .first = static_cast<int64_t>(ranges.ranges[i].first),
                              .length = static_cast<int64_t>(ranges.ranges[i].length())});
        }
        segments.push_back({.literal = layout.closing, .first = 0, .length = 0});
        content_length = layout.content_length;
      }
      break;
  }
  auto pump = std::make_shared<DownloadPump>(content, local, exchange, std::move(open), opened,
                                             std::move(segments));
  const bool head_only = request.method == "HEAD";
  exchange->StartResponse(std::move(head), content_length,
                          [exchange, pump, head_only](bool written) {
                            if (!written) return;
                            if (head_only) return exchange->transfer().EndResponse();
                            pump->Start();
                          });
}

}  // namespace

bool IsPlainMediaType(absl::string_view media_type) {
  const size_t slash = media_type.find('/');
  if (slash == absl::string_view::npos || slash == 0 || slash + 1 == media_type.size()) {
    return false;
  }
  for (size_t i = 0; i < media_type.size(); ++i) {
    if (i != slash && !IsTokenChar(media_type[i])) return false;
  }
  return true;
}

void FileDownloads::Options(const std::shared_ptr<FileExchange>& exchange) const {
  HttpResponse response;
  response.status = 204;
  response.content_type.clear();
  cors_.DecoratePreflight(exchange->request().origin, "GET, HEAD, OPTIONS",
                          "authorization, x-request-id, traceparent, range, if-range, "
                          "if-none-match",
                          response);
  exchange->Respond(std::move(response));
}

void FileDownloads::Download(const std::shared_ptr<FileExchange>& exchange,
                             const std::string& version_id, const std::string& link,
                             const std::string& rendition) {
  const absl::StatusOr<cv1::RenditionKind> kind = RenditionOfQuery(rendition);
  if (!kind.ok()) return exchange->Fail(kind.status());
  cv1::OpenDownloadRequest request;
  request.set_version_id(version_id);
  request.set_link(link);
  request.set_rendition(*kind);
  content_.OpenDownload(
      exchange->caller(), request,
      [this, exchange, request](absl::StatusOr<cv1::OpenDownloadResponse> opened) {
        if (!opened.ok()) return exchange->Fail(opened.status());
        Serve(content_, local_, exchange, request, *opened);
      });
}

}  // namespace parta::gateway
