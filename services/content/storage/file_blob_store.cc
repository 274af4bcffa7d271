#include "services/content/storage/file_blob_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::content {
namespace {

constexpr size_t kHeadBytes = 64 * 1024;
constexpr size_t kHashBuffer = 1024 * 1024;

absl::Status IoError(absl::string_view what, const std::string& path) {
  return Unavailable("BLOB_STORE_FAILED",
                     absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

absl::Status WriteAll(int fd, int64_t offset, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t written = ::pwrite(fd, data.data(), data.size(), offset);
    if (written < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(written));
    offset += written;
  }
  return absl::OkStatus();
}

// Reads up to `length` bytes at `offset`; fewer only at the end of the file.
absl::StatusOr<size_t> ReadAt(int fd, int64_t offset, char* out, size_t length,
                              const std::string& path) {
  size_t done = 0;
  while (done < length) {
    const ssize_t got = ::pread(fd, out + done, length - done, offset + static_cast<int64_t>(done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read", path);
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

// SHA-256 of [from, to) of an open file; its first `head` bytes go to `head_out` when given.
absl::StatusOr<std::string> HashRange(int fd, int64_t from, int64_t to, const std::string& path,
                                      std::string* head_out = nullptr) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(kHashBuffer);
  int64_t at = from;
  while (at < to) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(to - at, kHashBuffer));
    absl::StatusOr<size_t> got = ReadAt(fd, at, buffer.data(), want, path);
    if (!got.ok()) return got.status();
    if (*got < want) {
      return Internal("STAGED_FILE_SHORT", absl::StrCat(path, " ends before byte ", to));
    }
    if (head_out != nullptr && head_out->size() < kHeadBytes) {
      head_out->append(buffer.data(), std::min(*got, kHeadBytes - head_out->size()));
    }
    EVP_DigestUpdate(context.get(), buffer.data(), *got);
    at += static_cast<int64_t>(*got);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileBlobStore>> FileBlobStore::Open(const std::string& root) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(root) / "staging", error);
  if (!error) std::filesystem::create_directories(std::filesystem::path(root) / "blobs", error);
  if (error) {
    return Unavailable("BLOB_STORE_FAILED",
                       absl::StrCat("cannot make the blob store in ", root, ": ", error.message()));
  }
  return std::unique_ptr<FileBlobStore>(new FileBlobStore(root));
}

std::string FileBlobStore::StagedPath(const std::string& upload_id) const {
  return absl::StrCat(root_, "/staging/", upload_id);
}

std::string FileBlobStore::BlobPath(const std::string& sha256) const {
  if (!IsBlobName(sha256)) return absl::StrCat(root_, "/blobs/invalid-name");
  return absl::StrCat(root_, "/blobs/", sha256.substr(0, 2), "/", sha256.substr(2, 2), "/", sha256);
}

absl::Status FileBlobStore::WriteStaged(const std::string& upload_id, int64_t offset,
                                        absl::string_view data) {
  const std::string path = StagedPath(upload_id);
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.ok()) return IoError("cannot open", path);
  return WriteAll(fd.get(), offset, data, path);
}

absl::Status FileBlobStore::TruncateStaged(const std::string& upload_id, int64_t size) {
  const std::string path = StagedPath(upload_id);
  if (::truncate(path.c_str(), size) != 0 && errno != ENOENT) return IoError("cannot cut", path);
  return absl::OkStatus();
}

absl::StatusOr<std::string> FileBlobStore::HashStaged(const std::string& upload_id, int64_t from,
                                                      int64_t to) {
  const std::string path = StagedPath(upload_id);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return IoError("cannot open", path);
  return HashRange(fd.get(), from, to, path);
}

absl::StatusOr<StagedSummary> FileBlobStore::SummarizeStaged(const std::string& upload_id,
                                                             int64_t size) {
  const std::string path = StagedPath(upload_id);
  Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.ok()) return IoError("cannot open", path);
  // Bytes beyond the upload's size are a crashed write's leftovers.
  if (::ftruncate(fd.get(), size) != 0) return IoError("cannot cut", path);
  if (::fsync(fd.get()) != 0) return IoError("cannot flush", path);
  StagedSummary summary;
  absl::StatusOr<std::string> digest = HashRange(fd.get(), 0, size, path, &summary.head);
  if (!digest.ok()) return digest.status();
  summary.sha256 = absl::BytesToHexString(*digest);
  return summary;
}

absl::Status FileBlobStore::Promote(const std::string& upload_id, const std::string& sha256) {
  const std::string target = BlobPath(sha256);
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(target).parent_path(), error);
  if (error) {
    return Unavailable("BLOB_STORE_FAILED",
                       absl::StrCat("cannot make the folder of ", target, ": ", error.message()));
  }
  // A second name for the staged bytes, moved over the blob's name: the staging file stays
  // until the version is committed (RemoveStaged), so a failed commit can be tried again.
  const std::string staged = StagedPath(upload_id);
  const std::string linked = absl::StrCat(target, ".", upload_id);
  ::unlink(linked.c_str());
  if (::link(staged.c_str(), linked.c_str()) != 0) return IoError("cannot link", staged);
  if (::rename(linked.c_str(), target.c_str()) != 0) {
    ::unlink(linked.c_str());
    return IoError("cannot move", linked);
  }
  // The rename itself must survive a power cut before the version that names the blob commits.
  const std::string folder = std::filesystem::path(target).parent_path().string();
  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.ok()) ::fsync(dir.get());
  return absl::OkStatus();
}

absl::Status FileBlobStore::RemoveStaged(const std::string& upload_id) {
  const std::string path = StagedPath(upload_id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("cannot remove", path);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> FileBlobStore::StagedSize(const std::string& upload_id) {
  const std::string path = StagedPath(upload_id);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return 0;
    return IoError("cannot read the size of", path);
  }
  return static_cast<int64_t>(info.st_size);
}

absl::StatusOr<std::string> FileBlobStore::ReadStaged(const std::string& upload_id,
                                                      int64_t offset, int64_t length) {
  return ReadFile(StagedPath(upload_id), offset, length);
}

absl::StatusOr<std::string> FileBlobStore::Read(const std::string& sha256, int64_t offset,
                                                int64_t length) {
  return ReadFile(BlobPath(sha256), offset, length);
}

absl::StatusOr<std::string> FileBlobStore::ReadFile(const std::string& path, int64_t offset,
                                                    int64_t length) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) {
    if (errno == ENOENT) return NotFound("BLOB_MISSING", "the version's bytes are gone");
    return IoError("cannot open", path);
  }
  std::string data(static_cast<size_t>(length), '\0');
  absl::StatusOr<size_t> got = ReadAt(fd.get(), offset, data.data(), data.size(), path);
  if (!got.ok()) return got.status();
  data.resize(*got);
  return data;
}

absl::Status FileBlobStore::Remove(const std::string& sha256) {
  const std::string path = BlobPath(sha256);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("cannot remove", path);
  return absl::OkStatus();
}

}  // namespace parta::content
