#pragma once

// A test double of parta.content.v1.ContentService on 127.0.0.1:0, for the gateway's transfer
// tests (the layer above content): uploads kept in memory with the proto's semantics (offsets,
// held bytes confirmed by SHA-256, completion into an item and a version), downloads opened by
// a bearer token or a link (`LinkFor(version)` is the only valid one) and read with a read
// token. It records what the gateway sent, so tests can see the pieces flow. The real service's
// own tests live in services/content.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "parta/content/v1/content.pb.h"

namespace parta::gateway::testing {

class ContentDouble {
 public:
  ContentDouble();
  ~ContentDouble();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Stores a version directly (as if uploaded earlier); its id.
  std::string AddVersion(const std::string& file_name, const std::string& media_type,
                         const std::string& bytes, bool inline_safe = false);
  static std::string LinkFor(const std::string& version_id) { return "link-for-" + version_id; }
  // Gives a version a rendition (a JPEG named "<name>.<kind>.jpg"), as the maker would.
  void AddRendition(const std::string& version_id, content::v1::RenditionKind kind,
                    const std::string& bytes);
  // From now on each read token expires after `reads` ReadContent calls (READ_TOKEN_EXPIRED).
  void ExpireReadTokensAfter(int reads);

  struct Seen {
    int appends = 0;
    int64_t largest_append = 0;  // bytes of the largest AppendUpload
    int held_appends = 0;
    int confirms = 0;
    int opens = 0;
    int reads = 0;
    bool read_authorized = false;  // a ReadContent came with an authorization token
    int64_t largest_read = 0;      // the largest ReadContent length asked
    std::string last_link;         // OpenDownloadRequest.link of the last call
    content::v1::RenditionKind last_rendition = content::v1::RENDITION_KIND_UNSPECIFIED;
    bool last_open_authorized = false;
    content::v1::CreateUploadRequest last_create;
    std::string last_request_id;     // x-request-id metadata of the last call
    std::string last_forwarded_for;  // x-forwarded-for metadata of the last call
  };
  Seen seen() const;
  // The bytes counted so far of an upload ("" when unknown).
  std::string UploadedBytes(const std::string& upload_id) const;

  class Service;

 private:
  std::unique_ptr<Service> service_;
  std::unique_ptr<::grpc::Server> server_;
  int port_ = 0;
};

}  // namespace parta::gateway::testing
