#pragma once

// An S3-compatible object store of its own for tests of content's S3 blob store: s3rver (npm,
// installed in tests/s3 by tools/parta) on a free loopback port, with one bucket, its objects in
// a temporary folder. It accepts the key pair S3RVER / S3RVER.

#include <sys/types.h>

#include <string>

namespace parta::testing {

class PrivateS3 {
 public:
  explicit PrivateS3(std::string bucket = "parta-test");  // starts it, waits until it listens
  ~PrivateS3();                                           // kills it and removes the folder
  PrivateS3(const PrivateS3&) = delete;
  PrivateS3& operator=(const PrivateS3&) = delete;

  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  const std::string& bucket() const { return bucket_; }
  static constexpr const char* kAccessKeyId = "S3RVER";
  static constexpr const char* kSecretAccessKey = "S3RVER";

  void Kill();  // SIGKILL, as an outage

 private:
  std::string bucket_;
  std::string folder_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace parta::testing
