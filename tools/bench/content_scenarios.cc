// S10, content transfer: files through the gateway beside nginx serving the same bytes with
// sendfile, and tus uploads beside a plain write + fsync of the same bytes in the same folder.
//
//  - Downloads: a 1 MiB and a 100 MiB file (uploaded through the gateway first), each fetched
//    over 32 keep-alive connections for a fixed time, and 1 MiB ranges of the 100 MiB file;
//    MB/s and time to first byte. nginx serves the same bytes from a file in the same run
//    (A B A B). The client discards bodies in the kernel (recv with MSG_TRUNC), so its own CPU
//    stays small; it is reported.
//  - Uploads: 100 MiB in 5 MiB PATCHes (tus 1.0), one upload at a time, each of new bytes (no
//    shared blob), beside writing the same bytes to a file in the store's folder and fsync;
//    then 64 uploads of 5 MiB at once for the memory they hold.
//  - Memory: VmRSS of the gateway and content before the transfers and their peak (VmHWM, reset
//    before each phase through /proc/<pid>/clear_refs) during them; per transfer =
//    (peak − idle) / transfers at once.
//
// Set-up: identity (cheap hashing) on a schema of its own; content on another with scanning off
// (a scan is a separate background cost, once per blob) and messaging and the directory pointed
// at unused ports (the owner reads his own files: neither is asked); the gateway with rate limits
// and its access log off. Everything on loopback; every process stops with the benchmark.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/cpu.h"
#include "tools/bench/core/histogram.h"
#include "tools/bench/core/http_load.h"
#include "tools/bench/core/report.h"
#include "tools/bench/grpc_bench.h"
#include "tools/bench/nginx_process.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kSmallFile = kMiB;
constexpr int64_t kLargeFile = 100 * kMiB;
constexpr int64_t kPatchBytes = 5 * kMiB;
constexpr int kDownloadConnections = 32;
constexpr int64_t kConcurrentUploadBytes = 5 * kMiB;  // one PATCH each
constexpr int kRangeRequests = 1000;                   // distinct 1 MiB ranges, in rotation
// Many uploads at once share the disk and two cores: an answer may take a while.
constexpr absl::Duration kSocketTimeout = absl::Seconds(120);

int Fail(const std::string& what) {
  std::fprintf(stderr, "bench: content: %s\n", what.c_str());
  return 1;
}

double MBps(int64_t bytes, absl::Duration elapsed) {
  return static_cast<double>(bytes) / 1e6 / std::max(1e-9, absl::ToDoubleSeconds(elapsed));
}

// ---------------------------------------------------------------- processes

// A /proc/<pid>/status field in KiB (VmRSS, VmHWM); 0 when unreadable.
int64_t StatusKiB(pid_t pid, const std::string& field) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, field + ":")) {
      int64_t kib = 0;
      std::string value(absl::StripAsciiWhitespace(line.substr(field.size() + 1)));
      (void)absl::SimpleAtoi(value.substr(0, value.find(' ')), &kib);
      return kib;
    }
  }
  return 0;
}

// Sets VmHWM back to the current VmRSS (Linux ≥ 4.0); false when not allowed.
bool ResetPeak(pid_t pid) {
  std::ofstream clear(absl::StrCat("/proc/", pid, "/clear_refs"));
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

// CPU of a process and its direct children (nginx's master and workers).
absl::Duration TreeCpu(pid_t root) {
  absl::Duration total = ProcessCpu(root);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> fields =
        absl::StrSplit(text.substr(close + 2), ' ', absl::SkipWhitespace());
    pid_t parent = 0;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &parent) && parent == root) {
      total += ProcessCpu(pid);
    }
  }
  return total;
}

absl::Duration CpuOf(const std::vector<pid_t>& pids) {
  absl::Duration total;
  for (pid_t pid : pids) total += TreeCpu(pid);
  return total;
}

// The peak resident memory of the servers during a phase: VmHWM after a reset, and the largest
// VmRSS sampled every 20 ms as a check (and the figure when the reset is not allowed).
class PeakMemory {
 public:
  explicit PeakMemory(std::vector<pid_t> pids)
      : pids_(std::move(pids)), sampled_(pids_.size(), 0) {
    for (pid_t pid : pids_) reset_ &= ResetPeak(pid);
    sampler_ = std::thread([this] {
      while (!stop_) {
        for (size_t i = 0; i < pids_.size(); ++i) {
          sampled_[i] = std::max(sampled_[i], ProcessRssKiB(pids_[i]));
        }
        absl::SleepFor(absl::Milliseconds(20));
      }
    });
  }
  // The peak of each process, in KiB.
  std::vector<int64_t> Finish() {
    stop_ = true;
    sampler_.join();
    std::vector<int64_t> peaks = sampled_;
    if (reset_) {
      for (size_t i = 0; i < pids_.size(); ++i) {
        peaks[i] = std::max(peaks[i], StatusKiB(pids_[i], "VmHWM"));
      }
    }
    return peaks;
  }
  bool reset() const { return reset_; }

 private:
  std::vector<pid_t> pids_;
  std::vector<int64_t> sampled_;
  bool reset_ = true;
  std::atomic<bool> stop_{false};
  std::thread sampler_;
};

absl::StatusOr<Child> StartContent(const Settings& settings, int identity_port,
                                   const std::string& store, const std::string& key_file) {
  std::map<std::string, std::string> env = {
      {"PARTA_PG_URI", NewSchema(settings.pg_uri)},
      {"PARTA_REDIS_URI", settings.redis_uri},
      {"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", identity_port)},
      {"PARTA_MESSAGING_ADDR", absl::StrCat("127.0.0.1:", FreePort())},
      {"PARTA_DIRECTORY_ADDR", absl::StrCat("127.0.0.1:", FreePort())},
      {"PARTA_CONTENT_STORE_DIR", store},
      {"PARTA_CONTENT_SIGNING_KEY_FILE", key_file},
      {"PARTA_CONTENT_SCANNING", "false"},
      {"PARTA_MAX_FILE_BYTES", std::to_string(int64_t{1} << 30)},
      {"PARTA_CONTENT_USER_QUOTA_BYTES", std::to_string(int64_t{1} << 40)},
      {"PARTA_GRPC_LISTEN", "127.0.0.1:0"},
      {"PARTA_METRICS_LISTEN", "off"},
      {"PARTA_LOG_LEVEL", "warning"}};
  pid_t pid = Spawn({settings.content_binary, "migrate"}, ChildEnvironment(env));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("parta-content migrate failed");
  }
  return Child::Start({settings.content_binary}, env);
}

// ---------------------------------------------------------------- HTTP on a blocking socket

struct Response {
  int status = -1;
  std::map<std::string, std::string> headers;  // names in lower case
  int64_t content_length = 0;
};

class Connection {
 public:
  Connection(int port, int index) : fd_(ConnectFromLoopback(port, index)) {
    if (fd_ < 0) return;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval timeout{.tv_sec = absl::ToInt64Seconds(kSocketTimeout), .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  }
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return fd_ >= 0; }

  bool Send(absl::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads an answer's status line and headers; `first_byte` is when its first byte came. Bytes
  // of the body read with them stay in `carry_`.
  Response ReadHead(absl::Time* first_byte = nullptr) {
    Response response;
    size_t end;
    while ((end = carry_.find("\r\n\r\n")) == std::string::npos) {
      char buffer[16384];
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return response;
      if (first_byte != nullptr && carry_.empty()) *first_byte = absl::Now();
      carry_.append(buffer, static_cast<size_t>(n));
    }
    const std::string head = carry_.substr(0, end);
    carry_.erase(0, end + 4);
    std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
    std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
    if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &response.status)) {
      response.status = -1;
      return response;
    }
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    if (auto length = response.headers.find("content-length"); length != response.headers.end()) {
      (void)absl::SimpleAtoi(length->second, &response.content_length);
    }
    return response;
  }

  // Reads a short body whole (error answers, JSON).
  std::optional<std::string> ReadBody(int64_t length) {
    while (static_cast<int64_t>(carry_.size()) < length) {
      char buffer[16384];
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return std::nullopt;
      carry_.append(buffer, static_cast<size_t>(n));
    }
    std::string body = carry_.substr(0, static_cast<size_t>(length));
    carry_.erase(0, static_cast<size_t>(length));
    return body;
  }

  // Takes up to `length` bytes of a body without copying them (recv MSG_TRUNC drops TCP data in
  // the kernel); how many, 0 at the end of the stream, -1 on an error.
  int64_t Discard(int64_t length) {
    if (!carry_.empty()) {
      const int64_t taken = std::min<int64_t>(length, static_cast<int64_t>(carry_.size()));
      carry_.erase(0, static_cast<size_t>(taken));
      return taken;
    }
    const ssize_t n =
        recv(fd_, nullptr, static_cast<size_t>(std::min<int64_t>(length, 4 * kMiB)), MSG_TRUNC);
    return n;
  }

 private:
  int fd_;
  std::string carry_;
};

// ---------------------------------------------------------------- downloads

struct DownloadResult {
  int64_t bytes = 0;
  int64_t responses = 0;  // answered whole
  int64_t errors = 0;
  std::string first_error;
  absl::Duration elapsed;
  Histogram first_byte;
  absl::Duration server_cpu;
  std::vector<absl::Duration> cpu_each;  // per server process (with its children)
  absl::Duration client_cpu;
};

// `connections` threads, each on a keep-alive connection of its own, send `requests` in rotation
// for `duration`, each reading its answer to the end before the next; bytes count as they come,
// and the answers in progress at the end are cut off.
DownloadResult RunDownloads(int port, const std::vector<std::string>& requests, int connections,
                            absl::Duration duration, const std::vector<pid_t>& servers) {
  std::mutex mu;
  DownloadResult total;
  std::vector<absl::Duration> cpu_before;
  for (pid_t pid : servers) cpu_before.push_back(TreeCpu(pid));
  const absl::Duration client_before = ProcessCpu(getpid());
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      DownloadResult mine;
      std::unique_ptr<Connection> connection;
      size_t next = static_cast<size_t>(t);
      auto error = [&](std::string what) {
        ++mine.errors;
        if (mine.first_error.empty()) mine.first_error = std::move(what);
        connection.reset();
        absl::SleepFor(absl::Milliseconds(10));
      };
      while (absl::Now() < deadline) {
        if (!connection) {
          connection = std::make_unique<Connection>(port, t);
          if (!connection->ok()) {
            error("cannot connect");
            continue;
          }
        }
        const std::string& request = requests[next % requests.size()];
        next += static_cast<size_t>(connections);
        const absl::Time sent = absl::Now();
        if (!connection->Send(request)) {
          error("send failed");
          continue;
        }
        absl::Time first = sent;
        Response response = connection->ReadHead(&first);
        if (response.status == -1) {
          // A server may close a keep-alive connection between answers: connect again.
          connection.reset();
          continue;
        }
        mine.first_byte.Record(first - sent);
        if (response.status != 200 && response.status != 206) {
          std::optional<std::string> body = connection->ReadBody(response.content_length);
          error(absl::StrCat("HTTP ", response.status, " ", body.value_or("").substr(0, 200)));
          continue;
        }
        int64_t remaining = response.content_length;
        bool cut = false;
        while (remaining > 0) {
          const int64_t n = connection->Discard(remaining);
          if (n <= 0) break;
          mine.bytes += n;
          remaining -= n;
          if (absl::Now() >= deadline) {
            cut = true;
            break;
          }
        }
        if (cut) break;
        if (remaining > 0) {
          error("answer cut short");
          continue;
        }
        ++mine.responses;
      }
      std::lock_guard<std::mutex> lock(mu);
      total.bytes += mine.bytes;
      total.responses += mine.responses;
      total.errors += mine.errors;
      if (total.first_error.empty()) total.first_error = mine.first_error;
      total.first_byte.Merge(mine.first_byte);
    });
  }
  for (std::thread& thread : threads) thread.join();
  total.elapsed = absl::Now() - start;
  for (size_t i = 0; i < servers.size(); ++i) {
    total.cpu_each.push_back(TreeCpu(servers[i]) - cpu_before[i]);
    total.server_cpu += total.cpu_each.back();
  }
  total.client_cpu = ProcessCpu(getpid()) - client_before;
  return total;
}

// A row of one system and load: MB/s per run; time to first byte and server CPU per MB of the
// median run. A note with the client's and the server's cores and any errors.
Row DownloadRow(std::string scenario, std::string system,
                const std::vector<DownloadResult>& runs, std::string* note) {
  Row row{.scenario = std::move(scenario), .system = std::move(system)};
  std::vector<std::pair<double, size_t>> order;
  int64_t errors = 0;
  std::string first_error;
  for (size_t i = 0; i < runs.size(); ++i) {
    row.per_second.push_back(MBps(runs[i].bytes, runs[i].elapsed));
    order.emplace_back(row.per_second.back(), i);
    errors += runs[i].errors;
    if (first_error.empty()) first_error = runs[i].first_error;
  }
  std::sort(order.begin(), order.end());
  const DownloadResult& median = runs[order[order.size() / 2].second];
  row.p50_ms = Ms(median.first_byte.Percentile(0.5));
  row.p99_ms = Ms(median.first_byte.Percentile(0.99));
  row.cpu_us_per_op = absl::ToDoubleMicroseconds(median.server_cpu) /
                      std::max(1e-9, static_cast<double>(median.bytes) / 1e6);
  const double seconds = absl::ToDoubleSeconds(median.elapsed);
  std::string each;
  for (absl::Duration cpu : median.cpu_each) {
    absl::StrAppend(&each, each.empty() ? "" : " + ",
                    absl::StrFormat("%.2f", absl::ToDoubleSeconds(cpu) / seconds));
  }
  *note = absl::StrFormat(
      "%s: client %.2f cores, server %.2f cores (%s: gateway + content, or nginx), %d whole "
      "answers (median run)", row.system,
      absl::ToDoubleSeconds(median.client_cpu) / seconds,
      absl::ToDoubleSeconds(median.server_cpu) / seconds, each, median.responses);
  if (errors > 0) absl::StrAppend(note, "; ", errors, " errors, first: ", first_error);
  row.note = *note;
  return row;
}

// ---------------------------------------------------------------- uploads

// The bytes of an upload: `data` with its first bytes replaced by `stamp` (so each upload makes
// a blob of its own without copying the buffer).
struct Bytes {
  absl::string_view data;
  std::string stamp;

  int64_t size() const { return static_cast<int64_t>(data.size()); }
  // The piece [offset, offset + length) as at most two views.
  std::vector<absl::string_view> Piece(int64_t offset, int64_t length) const {
    std::vector<absl::string_view> views;
    const int64_t stamp_end = static_cast<int64_t>(stamp.size());
    if (offset < stamp_end) {
      const int64_t n = std::min(length, stamp_end - offset);
      views.push_back(absl::string_view(stamp).substr(static_cast<size_t>(offset),
                                                      static_cast<size_t>(n)));
      offset += n;
      length -= n;
    }
    if (length > 0) {
      views.push_back(data.substr(static_cast<size_t>(offset), static_cast<size_t>(length)));
    }
    return views;
  }
};

struct Uploaded {
  std::string version_id;
  absl::Duration took;
};

// A tus upload through the gateway: POST (creation), then PATCHes of `patch_bytes`; the version
// made and the time from the POST to the last answer.
absl::StatusOr<Uploaded> TusUpload(int port, int index, const std::string& token,
                                   const std::string& name, const Bytes& bytes,
                                   int64_t patch_bytes) {
  const absl::Time start = absl::Now();
  Connection connection(port, index);
  if (!connection.ok()) return absl::UnavailableError("cannot connect to the gateway");
  const std::string common =
      absl::StrCat("Host: 127.0.0.1\r\nAuthorization: Bearer ", token,
                   "\r\nTus-Resumable: 1.0.0\r\n");
  if (!connection.Send(absl::StrCat("POST /v1/uploads HTTP/1.1\r\n", common,
                                    "Upload-Length: ", bytes.size(),
                                    "\r\nUpload-Metadata: filename ", absl::Base64Escape(name),
                                    "\r\nContent-Length: 0\r\n\r\n"))) {
    return absl::UnavailableError("POST /v1/uploads: send failed");
  }
  Response created = connection.ReadHead();
  std::optional<std::string> body = connection.ReadBody(created.content_length);
  if (created.status != 201 || !created.headers.contains("location")) {
    return absl::InternalError(absl::StrCat("POST /v1/uploads answered ", created.status, " ",
                                            body.value_or("").substr(0, 300)));
  }
  std::string location = created.headers["location"];
  if (const size_t path = location.find("/v1/"); path != std::string::npos) {
    location = location.substr(path);
  }
  int64_t offset = 0;
  Uploaded uploaded;
  while (offset < bytes.size()) {
    const int64_t length = std::min(patch_bytes, bytes.size() - offset);
    if (!connection.Send(absl::StrCat("PATCH ", location, " HTTP/1.1\r\n", common,
                                      "Upload-Offset: ", offset,
                                      "\r\nContent-Type: application/offset+octet-stream\r\n"
                                      "Content-Length: ",
                                      length, "\r\n\r\n"))) {
      return absl::UnavailableError("PATCH: send failed");
    }
    for (absl::string_view view : bytes.Piece(offset, length)) {
      if (!connection.Send(view)) return absl::UnavailableError("PATCH: body send failed");
    }
    Response patched = connection.ReadHead();
    body = connection.ReadBody(patched.content_length);
    int64_t new_offset = -1;
    (void)absl::SimpleAtoi(patched.headers["upload-offset"], &new_offset);
    if (patched.status != 204 || new_offset != offset + length) {
      return absl::InternalError(absl::StrCat("PATCH at ", offset, " answered ", patched.status,
                                              " (Upload-Offset ", new_offset, ") ",
                                              body.value_or("").substr(0, 300)));
    }
    offset = new_offset;
    if (offset == bytes.size()) uploaded.version_id = patched.headers["parta-version-id"];
  }
  uploaded.took = absl::Now() - start;
  if (uploaded.version_id.empty()) {
    return absl::InternalError("the last PATCH carried no Parta-Version-Id");
  }
  return uploaded;
}

// The reference: the same bytes written to a new file in `dir` in pieces of `piece_bytes`, then
// fsync; the time it took.
absl::StatusOr<absl::Duration> WriteAndSync(const std::string& dir, const Bytes& bytes,
                                            int64_t piece_bytes) {
  const std::string path = absl::StrCat(dir, "/raw-", absl::BytesToHexString(RandomBytes(6)));
  const absl::Time start = absl::Now();
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError("cannot create " + path);
  bool ok = true;
  for (int64_t offset = 0; ok && offset < bytes.size(); offset += piece_bytes) {
    for (absl::string_view view :
         bytes.Piece(offset, std::min(piece_bytes, bytes.size() - offset))) {
      while (ok && !view.empty()) {
        const ssize_t n = write(fd, view.data(), view.size());
        ok = n > 0;
        if (ok) view.remove_prefix(static_cast<size_t>(n));
      }
    }
  }
  ok = ok && fsync(fd) == 0;
  close(fd);
  const absl::Duration took = absl::Now() - start;
  std::filesystem::remove(path);
  if (!ok) return absl::InternalError("writing " + path + " failed");
  return took;
}

// `size` bytes that do not compress (nothing compresses them here; it keeps the test honest).
std::string Noise(int64_t size) {
  std::string bytes(static_cast<size_t>(size), '\0');
  std::mt19937_64 random(20261207);
  for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    const uint64_t value = random();
    std::memcpy(bytes.data() + i, &value, 8);
  }
  return bytes;
}

// KiB as MiB with one decimal.
std::string KiB(int64_t kib) {
  return absl::StrFormat("%.1f MiB", static_cast<double>(kib) / 1024);
}

}  // namespace

int BenchContent(const Settings& settings) {
  Report report("S10 content transfer: downloads beside nginx (sendfile), tus uploads beside "
                "write + fsync");
  RaiseOpenFileLimit();
  const absl::Duration duration = settings.quick ? absl::Seconds(3) : absl::Seconds(10);
  const int concurrent_uploads = settings.quick ? 16 : 64;

  char work_template[] = "/tmp/parta-bench-content-XXXXXX";
  if (mkdtemp(work_template) == nullptr) return Fail("cannot make a temporary folder");
  const std::string work = work_template;
  struct RemoveWork {
    std::string dir;
    ~RemoveWork() { std::filesystem::remove_all(dir); }
  } remove_work{work};
  const std::string store = work + "/store";
  const std::string www = work + "/www";
  std::filesystem::create_directories(store);
  std::filesystem::create_directories(www);
  // nginx's workers run as another user: they must be able to reach the files.
  std::filesystem::permissions(work, std::filesystem::perms(0755));
  std::filesystem::permissions(www, std::filesystem::perms(0755));
  const std::string key_file = work + "/signing.key";
  std::ofstream(key_file) << absl::BytesToHexString(RandomBytes(32));

  absl::StatusOr<Child> identity = StartIdentityForBench(settings);
  if (!identity.ok()) return Fail(identity.status().ToString());
  absl::StatusOr<Child> content = StartContent(settings, identity->port(), store, key_file);
  if (!content.ok()) return Fail(content.status().ToString());
  absl::StatusOr<Child> gateway = Child::Start(
      {settings.gateway_binary},
      {{"PARTA_IDENTITY_ADDR", absl::StrCat("127.0.0.1:", identity->port())},
       {"PARTA_CONTENT_ADDR", absl::StrCat("127.0.0.1:", content->port())},
       {"PARTA_REDIS_URI", settings.redis_uri},
       {"PARTA_HTTP_LISTEN", "127.0.0.1:0"},
       {"PARTA_METRICS_LISTEN", "127.0.0.1:0"},
       {"PARTA_ACCESS_LOG", "false"},
       {"PARTA_RATE_LIMITS_ENABLED", "false"},
       {"PARTA_MAX_FILE_BYTES", std::to_string(int64_t{1} << 30)},
       // One machine, as `tools/parta run` deploys it: the gateway reads the blob folder.
       {"PARTA_GATEWAY_CONTENT_STORE_DIR", store},
       {"PARTA_LOG_LEVEL", "warning"}},
      "PARTA_HTTP_PORT_FILE");
  if (!gateway.ok()) return Fail(gateway.status().ToString());
  const std::vector<pid_t> parta = {gateway->pid(), content->pid()};
  absl::StatusOr<std::vector<std::string>> signed_up = SignUpUsers(identity->port(), 1);
  if (!signed_up.ok()) return Fail(signed_up.status().ToString());
  const std::string token = signed_up->front();

  // The files: uploaded through the gateway, and the same bytes in nginx's root.
  const std::string noise = Noise(kLargeFile);
  const Bytes small{absl::string_view(noise).substr(0, kSmallFile), "download-1MiB"};
  const Bytes large{noise, "download-100MiB"};
  absl::StatusOr<Uploaded> small_version =
      TusUpload(gateway->port(), 0, token, "small.bin", small, kPatchBytes);
  if (!small_version.ok()) return Fail(small_version.status().ToString());
  absl::StatusOr<Uploaded> large_version =
      TusUpload(gateway->port(), 0, token, "large.bin", large, kPatchBytes);
  if (!large_version.ok()) return Fail(large_version.status().ToString());
  const std::vector<std::pair<std::string, const Bytes*>> files = {{"small.bin", &small},
                                                                   {"large.bin", &large}};
  for (const auto& [name, bytes] : files) {
    std::ofstream file(www + "/" + name, std::ios::binary);
    for (absl::string_view view : bytes->Piece(0, bytes->size())) {
      file.write(view.data(), static_cast<std::streamsize>(view.size()));
    }
  }
  std::unique_ptr<NginxProcess> nginx = NginxProcess::Start(absl::StrCat(
      "sendfile on; tcp_nopush on; keepalive_requests 1000000; root ", www,
      "; location / { default_type application/octet-stream; }"));
  if (!nginx) return Fail("nginx did not start (tools/parta bench installs it)");

  auto get = [&token](const std::string& path, const std::string& range = "") {
    std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                       "Authorization: Bearer ", token, "\r\n");
    if (!range.empty()) absl::StrAppend(&request, "Range: ", range, "\r\n");
    return request + "\r\n";
  };
  std::vector<std::string> ranges;
  std::mt19937_64 random(7);
  for (int i = 0; i < kRangeRequests; ++i) {
    const int64_t first = static_cast<int64_t>(random() % (kLargeFile - kMiB));
    ranges.push_back(absl::StrCat("bytes=", first, "-", first + kMiB - 1));
  }
  struct Load {
    std::string label;
    std::vector<std::string> parta;
    std::vector<std::string> nginx;
  };
  std::vector<Load> loads(3);
  loads[0].label = "1 MiB file";
  loads[0].parta = {get("/v1/files/" + small_version->version_id)};
  loads[0].nginx = {get("/small.bin")};
  loads[1].label = "100 MiB file";
  loads[1].parta = {get("/v1/files/" + large_version->version_id)};
  loads[1].nginx = {get("/large.bin")};
  loads[2].label = "1 MiB ranges of 100 MiB";
  for (const std::string& range : ranges) {
    loads[2].parta.push_back(get("/v1/files/" + large_version->version_id, range));
    loads[2].nginx.push_back(get("/large.bin", range));
  }

  // Warm up: connections, the token cache, the page cache.
  RunDownloads(nginx->port(), loads[0].nginx, kDownloadConnections, absl::Seconds(1),
               {nginx->pid()});
  RunDownloads(gateway->port(), loads[0].parta, kDownloadConnections, absl::Seconds(1), parta);
  absl::SleepFor(absl::Seconds(1));
  const int64_t gateway_idle = ProcessRssKiB(gateway->pid());
  const int64_t content_idle = ProcessRssKiB(content->pid());

  std::vector<std::string> memory_notes;
  std::vector<std::string> cpu_notes;
  for (const Load& load : loads) {
    const std::string scenario = absl::StrCat("S10 GET ", load.label);
    std::vector<DownloadResult> nginx_runs, parta_runs;
    std::vector<int64_t> peaks = {0, 0};
    bool reset = true;
    // What the earlier phases left resident (the allocator keeps freed memory).
    const int64_t gateway_before = ProcessRssKiB(gateway->pid());
    const int64_t content_before = ProcessRssKiB(content->pid());
    for (int run = 0; run < settings.runs; ++run) {
      nginx_runs.push_back(RunDownloads(nginx->port(), load.nginx, kDownloadConnections,
                                        duration, {nginx->pid()}));
      absl::SleepFor(absl::Milliseconds(500));
      PeakMemory peak(parta);
      parta_runs.push_back(
          RunDownloads(gateway->port(), load.parta, kDownloadConnections, duration, parta));
      reset &= peak.reset();
      std::vector<int64_t> run_peaks = peak.Finish();
      for (size_t i = 0; i < peaks.size(); ++i) peaks[i] = std::max(peaks[i], run_peaks[i]);
      absl::SleepFor(absl::Milliseconds(500));
    }
    std::string nginx_note, parta_note;
    Row nginx_row = DownloadRow(scenario, "nginx sendfile, " + load.label, nginx_runs, &nginx_note);
    Row parta_row = DownloadRow(scenario, "parta, " + load.label, parta_runs, &parta_note);
    report.Add(nginx_row);
    report.Add(parta_row);
    cpu_notes.push_back(nginx_note);
    cpu_notes.push_back(parta_note);
    report.AddRatio(absl::StrCat("GET ", load.label, ": parta / nginx (bar 0.5, goal 0.9)"),
                    parta_row.system, nginx_row.system, 0.5);
    memory_notes.push_back(absl::StrFormat(
        "memory, %d downloads of the %s at once: gateway idle %s (%s before this phase) → peak "
        "%s: %.0f KiB per transfer above idle (%.0f above the phase's start); content idle %s "
        "(%s) → peak %s: %.0f KiB per transfer (%.0f)%s",
        kDownloadConnections, load.label, KiB(gateway_idle), KiB(gateway_before), KiB(peaks[0]),
        static_cast<double>(peaks[0] - gateway_idle) / kDownloadConnections,
        static_cast<double>(peaks[0] - gateway_before) / kDownloadConnections, KiB(content_idle),
        KiB(content_before), KiB(peaks[1]),
        static_cast<double>(peaks[1] - content_idle) / kDownloadConnections,
        static_cast<double>(peaks[1] - content_before) / kDownloadConnections,
        reset ? "" : " (peaks sampled every 20 ms: VmHWM could not be reset)"));
  }

  // Uploads, one at a time, A B A B.
  Row raw_row{.scenario = "S10 upload 100 MiB", .system = "write + fsync, 5 MiB writes"};
  Row tus_row{.scenario = "S10 upload 100 MiB", .system = "parta tus, 5 MiB PATCHes"};
  std::vector<absl::Duration> upload_cpu;
  std::vector<double> gateway_share;  // of the upload's server CPU
  for (int run = 0; run < std::max(3, settings.runs); ++run) {
    const Bytes bytes{noise, absl::StrCat("upload-", run, "-", NewUuidV7(absl::Now()))};
    absl::StatusOr<absl::Duration> raw = WriteAndSync(store, bytes, kPatchBytes);
    if (!raw.ok()) return Fail(raw.status().ToString());
    raw_row.per_second.push_back(MBps(kLargeFile, *raw));
    const Bytes again{noise, absl::StrCat("upload-", run, "-", NewUuidV7(absl::Now()))};
    const absl::Duration cpu_before = CpuOf(parta);
    const absl::Duration gateway_before = ProcessCpu(gateway->pid());
    absl::StatusOr<Uploaded> uploaded =
        TusUpload(gateway->port(), run, token, absl::StrCat("upload-", run, ".bin"), again,
                  kPatchBytes);
    if (!uploaded.ok()) return Fail(uploaded.status().ToString());
    upload_cpu.push_back(CpuOf(parta) - cpu_before);
    gateway_share.push_back(
        absl::FDivDuration(ProcessCpu(gateway->pid()) - gateway_before, upload_cpu.back()));
    tus_row.per_second.push_back(MBps(kLargeFile, uploaded->took));
  }
  {
    std::vector<double> cpu_per_mb;
    for (absl::Duration cpu : upload_cpu) {
      cpu_per_mb.push_back(absl::ToDoubleMicroseconds(cpu) / (kLargeFile / 1e6));
    }
    tus_row.cpu_us_per_op = Report::Median(cpu_per_mb);
    tus_row.note = absl::StrFormat("%.0f%% of the CPU in the gateway, the rest in content",
                                   100 * Report::Median(gateway_share));
    cpu_notes.push_back(absl::StrCat(tus_row.system, ": ", tus_row.note));
  }
  report.Add(raw_row);
  report.Add(tus_row);
  report.AddRatio("upload 100 MiB: parta tus / write + fsync (goal: disk speed)", tus_row.system,
                  raw_row.system, 0);

  // Uploads at once: the memory they hold.
  {
    absl::SleepFor(absl::Seconds(1));
    const int64_t gateway_before = ProcessRssKiB(gateway->pid());
    const int64_t content_before = ProcessRssKiB(content->pid());
    PeakMemory peak(parta);
    std::atomic<int> failed{0};
    std::string first_error;
    std::mutex mu;
    const absl::Duration cpu_before = CpuOf(parta);
    const absl::Time start = absl::Now();
    std::vector<std::thread> threads;
    for (int i = 0; i < concurrent_uploads; ++i) {
      threads.emplace_back([&, i] {
        const Bytes bytes{absl::string_view(noise).substr(0, kConcurrentUploadBytes),
                          absl::StrCat("concurrent-", i, "-", NewUuidV7(absl::Now()))};
        absl::StatusOr<Uploaded> uploaded = TusUpload(
            gateway->port(), i, token, absl::StrCat("many-", i, ".bin"), bytes, kPatchBytes);
        if (!uploaded.ok()) {
          ++failed;
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) first_error = uploaded.status().ToString();
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    const absl::Duration took = absl::Now() - start;
    const absl::Duration cpu = CpuOf(parta) - cpu_before;
    std::vector<int64_t> peaks = peak.Finish();
    Row many_row{.scenario = absl::StrCat("S10 ", concurrent_uploads, " uploads of 5 MiB"),
                 .system = "parta tus, all at once",
                 .per_second = {MBps(kConcurrentUploadBytes * concurrent_uploads, took)},
                 .cpu_us_per_op = absl::ToDoubleMicroseconds(cpu) /
                                  (kConcurrentUploadBytes * concurrent_uploads / 1e6)};
    if (failed > 0) many_row.note = absl::StrCat(failed.load(), " failed, first: ", first_error);
    report.Add(many_row);
    memory_notes.push_back(absl::StrFormat(
        "memory, %d uploads of 5 MiB at once (one PATCH each): gateway %s → peak %s (%.0f KiB per "
        "upload), content %s → peak %s (%.0f KiB per upload)%s",
        concurrent_uploads, KiB(gateway_before), KiB(peaks[0]),
        static_cast<double>(peaks[0] - gateway_before) / concurrent_uploads, KiB(content_before),
        KiB(peaks[1]), static_cast<double>(peaks[1] - content_before) / concurrent_uploads,
        failed > 0 ? absl::StrCat("; ", failed.load(), " failed: ", first_error) : ""));
  }

  report.AddNote(absl::StrCat(
      "MB/s = 10^6 bytes/s in the ops/s column; p50/p99 = time to first byte (ms) of the median "
      "run; CPU µs/op = server CPU per MB (parta: gateway + content; nginx: master + workers); ",
      kDownloadConnections, " keep-alive connections, ", absl::FormatDuration(duration),
      " per run, ", settings.runs, " runs per system, A B A B; the client discards bodies in "
      "the kernel (MSG_TRUNC): its CPU is below"));
  report.AddNote("content runs with PARTA_CONTENT_SCANNING=false: the virus scan is a separate "
                 "background cost (once per blob, clamd), not part of these transfers");
  report.AddNote("parta checks the bearer token (cached), asks content to open the download "
                 "(access check, two Postgres reads) and sends the blob's file with sendfile "
                 "(the gateway sees content's folder, one machine as tools/parta run deploys "
                 "it); nginx serves the file with sendfile, no authentication; both from the "
                 "page cache; access logs off, gateway rate limits off");
  report.AddNote("uploads: each of new bytes (no shared blob); parta stages, hashes, sniffs the "
                 "type, fsyncs and commits the version; the reference writes and fsyncs only");
  for (std::string& note : cpu_notes) report.AddNote(std::move(note));
  for (std::string& note : memory_notes) report.AddNote(std::move(note));
  report.Print();
  report.WriteJson(settings.results_dir + "/content.json");
  return 0;
}

}  // namespace parta::bench
