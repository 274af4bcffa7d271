// Sign-in through ESIA (Госуслуги): the whole round trip through the ESIA emulator, as a browser
// and a client app make it — StartEsiaSignIn at identity, the provider's page and the person's
// choice at the emulator, CompleteEsiaSignIn at identity (which exchanges the code, checks the
// ID token and reads the person) — beside the bare rate of the signature the round trip is
// bound by, in the same run. The keys are GOST R 34.10-2012 256-bit as in production; `openssl
// speed` knows no GOST signature, so the reference is OpenSSL's own GOST engine signing in a
// loop on one core (EVP_DigestSign, Streebog-256, a 200-byte message).
//
// A round trip makes three GOST signatures (identity signs the authorisation request and the
// token request as detached CMS, the emulator signs the ID token) and three verifications.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "libs/auth/gost.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/http/client.h"
#include "libs/http/encoding.h"
#include "parta/identity/v1/identity.grpc.pb.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/histogram.h"
#include "tools/bench/core/report.h"
#include "tools/bench/grpc_bench.h"
#include "tools/bench/scenarios.h"

namespace parta::bench {
namespace {

namespace identity_v1 = parta::identity::v1;

constexpr char kClientId[] = "PARTA";
constexpr char kRedirect[] = "http://127.0.0.1:8088/esia/return";
constexpr char kIssuer[] = "http://esia-emulator.parta/";
constexpr int kWorkers = 8;

// A GOST R 34.10-2012 256-bit key and a self-signed certificate in `dir`/`name`.{key,crt}.
absl::Status MakeKeyPair(const std::string& dir, const std::string& name) {
  const std::string command = absl::StrCat(
      "openssl req -x509 -engine gost -newkey gost2012_256 -pkeyopt paramset:A -md_gost12_256 "
      "-nodes -days 30 -subj '/CN=", name, "' -keyout '", dir, "/", name, ".key' -out '", dir,
      "/", name, ".crt' >/dev/null 2>&1");
  if (std::system(command.c_str()) != 0) return absl::InternalError("openssl req failed");
  return absl::OkStatus();
}

// GOST R 34.10-2012 signatures and verifications per second on one thread, with the key in
// `key_file`.
struct GostRates {
  double signs = 0;
  double verifies = 0;
};
absl::StatusOr<GostRates> GostRatesPerSecond(const std::string& key_file, int seconds) {
  RETURN_IF_ERROR(auth::EnableGostAlgorithms());
  BIO* in = BIO_new_file(key_file.c_str(), "r");
  EVP_PKEY* key = in != nullptr ? PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(in);
  if (key == nullptr) return absl::InternalError("cannot read the GOST key");
  const std::string message(200, 'x');
  const auto* bytes = reinterpret_cast<const unsigned char*>(message.data());
  const EVP_MD* digest = EVP_get_digestbynid(NID_id_GostR3411_2012_256);
  unsigned char signature[128];
  size_t signature_length = 0;
  bool failed = false;
  // One operation, `verify` or sign, as a whole EVP call with its context.
  auto once = [&](bool verify) {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    size_t length = sizeof signature;
    failed = context == nullptr ||
             (verify ? EVP_DigestVerifyInit(context, nullptr, digest, nullptr, key) != 1 ||
                           EVP_DigestVerify(context, signature, signature_length, bytes,
                                            message.size()) != 1
                     : EVP_DigestSignInit(context, nullptr, digest, nullptr, key) != 1 ||
                           EVP_DigestSign(context, signature, &length, bytes, message.size()) !=
                               1);
    if (!verify) signature_length = length;
    EVP_MD_CTX_free(context);
  };
  auto rate = [&](bool verify) {
    int64_t done = 0;
    const absl::Time start = absl::Now(), end = start + absl::Seconds(seconds);
    while (!failed && absl::Now() < end) {
      for (int i = 0; i < 50 && !failed; ++i, ++done) once(verify);
    }
    return static_cast<double>(done) / absl::ToDoubleSeconds(absl::Now() - start);
  };
  GostRates rates;
  rates.signs = rate(false);
  rates.verifies = rate(true);
  EVP_PKEY_free(key);
  if (failed) return absl::InternalError("OpenSSL could not sign or verify with the GOST key");
  return rates;
}

// The emulator on a free port of its own: its pid and port.
absl::StatusOr<std::pair<pid_t, int>> StartEmulator(const std::string& binary,
                                                    const std::string& dir) {
  const std::string port_file = dir + "/emulator.port";
  // Through a shell that sends its request log (stderr) away: it would drown the tables.
  pid_t pid = Spawn({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>/dev/null", binary, "--listen",
                     "127.0.0.1:0", "--port-file", port_file, "--client-id",
                     kClientId, "--client-certificate", dir + "/client.crt", "--redirect-uri",
                     kRedirect, "--signing-key", dir + "/provider.key", "--issuer", kIssuer},
                    ChildEnvironment({}));
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) return std::pair{pid, port};
    if (waitpid(pid, nullptr, WNOHANG) == pid) break;
    usleep(10'000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return absl::InternalError("the ESIA emulator did not start");
}

// The value of `name` in the query of `url`.
std::string QueryValue(absl::string_view url, absl::string_view name) {
  const size_t mark = url.find('?');
  if (mark == absl::string_view::npos) return "";
  for (absl::string_view pair : absl::StrSplit(url.substr(mark + 1), '&')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.first == name) return http::FormDecode(kv.second).value_or("");
  }
  return "";
}

// One whole sign-in of the test person `person`.
absl::Status SignIn(identity_v1::IdentityService::Stub& identity, http::Client& browser,
                    const std::string& person) {
  auto context = [] {
    auto c = std::make_unique<::grpc::ClientContext>();
    c->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return c;
  };
  identity_v1::StartEsiaSignInResponse started;
  ::grpc::Status status = identity.StartEsiaSignIn(context().get(), {}, &started);
  if (!status.ok()) return absl::InternalError("StartEsiaSignIn: " + status.error_message());
  absl::string_view target = started.authorization_url();
  target.remove_prefix(std::min(target.size(), target.find('/', std::string("http://").size())));
  absl::StatusOr<http::Response> page = browser.Get(std::string(target), absl::Seconds(30));
  if (!page.ok()) return page.status();
  const std::string marker = "name=\"request\" value=\"";
  const size_t at = page->body.find(marker);
  if (page->status != 200 || at == std::string::npos) {
    return absl::InternalError(absl::StrCat("the provider's page: ", page->status));
  }
  const size_t start = at + marker.size();
  const std::string request = page->body.substr(start, page->body.find('"', start) - start);
  absl::StatusOr<http::Response> chosen = browser.Send(
      {.method = "POST",
       .target = "/aas/oauth2/v2/ac/login",
       .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
       .body = http::FormEncode({{"request", request}, {"person", person}})},
      absl::Seconds(30));
  if (!chosen.ok()) return chosen.status();
  const std::string back = chosen->Header("Location");
  identity_v1::CompleteEsiaSignInRequest complete;
  complete.set_state(QueryValue(back, "state"));
  complete.set_code(QueryValue(back, "code"));
  complete.set_verifier(started.verifier());
  complete.set_device("bench");
  identity_v1::CompleteEsiaSignInResponse done;
  status = identity.CompleteEsiaSignIn(context().get(), complete, &done);
  if (!status.ok()) return absl::InternalError("CompleteEsiaSignIn: " + status.error_message());
  return absl::OkStatus();
}

}  // namespace

int BenchEsiaSignIn(const Settings& settings) {
  Report report("ESIA sign-in round trip through the emulator");
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("parta-bench-esia-" + absl::BytesToHexString(RandomBytes(6))))
                              .string();
  std::filesystem::create_directories(dir);
  for (const char* name : {"client", "provider"}) {
    if (absl::Status made = MakeKeyPair(dir, name); !made.ok()) return Fail(made);
  }
  const std::string emulator_binary =
      (std::filesystem::path(settings.self).parent_path() / "../esia-emulator/parta-esia-emulator")
          .lexically_normal()
          .string();
  absl::StatusOr<std::pair<pid_t, int>> emulator = StartEmulator(emulator_binary, dir);
  if (!emulator.ok()) return Fail(emulator.status());
  const int emulator_port = emulator->second;
  absl::StatusOr<Child> identity =
      StartIdentity(settings, {{"PARTA_ESIA_URL", absl::StrCat("http://127.0.0.1:", emulator_port)},
                               {"PARTA_ESIA_ALLOW_PLAIN_HTTP", "true"},
                               {"PARTA_ESIA_CLIENT_ID", kClientId},
                               {"PARTA_ESIA_REDIRECT_URI", kRedirect},
                               {"PARTA_ESIA_ISSUER", kIssuer},
                               {"PARTA_ESIA_KEY_FILE", dir + "/client.key"},
                               {"PARTA_ESIA_CERT_FILE", dir + "/client.crt"},
                               {"PARTA_ESIA_PROVIDER_CERT_FILE", dir + "/provider.crt"}});
  auto stop_emulator = [&] {
    kill(emulator->first, SIGTERM);
    waitpid(emulator->first, nullptr, 0);
    std::filesystem::remove_all(dir);
  };
  if (!identity.ok()) {
    stop_emulator();
    return Fail(identity.status());
  }

  constexpr char kReference[] = "OpenSSL GOST R 34.10-2012 sign, one core";
  Row openssl_row{.scenario = "ESIA sign-in", .system = kReference};
  Row verify_row{.scenario = "ESIA sign-in",
                 .system = "OpenSSL GOST R 34.10-2012 verify, one core"};
  Row parta_row{.scenario = "ESIA sign-in", .system = "parta sign-in round trip"};
  const int seconds = std::max(1, static_cast<int>(absl::ToInt64Seconds(settings.duration)));
  int failures = 0;
  for (int run = 0; run < settings.runs && failures == 0; ++run) {
    absl::StatusOr<GostRates> rates = GostRatesPerSecond(dir + "/client.key", seconds);
    if (!rates.ok()) {
      std::fprintf(stderr, "bench: %s\n", rates.status().ToString().c_str());
      failures = 1;
      break;
    }
    openssl_row.per_second.push_back(rates->signs);
    verify_row.per_second.push_back(rates->verifies);

    // Closed loop: kWorkers people signing in one after another, each with a browser of his own.
    auto stub = identity_v1::IdentityService::NewStub(Channel(identity->port()));
    std::atomic<int> done{0}, failed{0};
    absl::Mutex mu;
    Histogram latencies;
    std::string first_error;
    const absl::Time start = absl::Now(), end = start + settings.duration;
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&] {
        http::Client browser("127.0.0.1", emulator_port);
        Histogram mine;
        while (absl::Now() < end) {
          const absl::Time begun = absl::Now();
          absl::Status signed_in = SignIn(*stub, browser, "ivanov");
          if (!signed_in.ok()) {
            absl::MutexLock lock(&mu);
            if (failed++ == 0) first_error = signed_in.ToString();
            break;
          }
          mine.Record(absl::Now() - begun);
          ++done;
        }
        absl::MutexLock lock(&mu);
        latencies.Merge(mine);
      });
    }
    for (std::thread& worker : workers) worker.join();
    if (failed > 0) {
      std::fprintf(stderr, "bench: a sign-in failed: %s\n", first_error.c_str());
      failures = 1;
      break;
    }
    parta_row.per_second.push_back(done / absl::ToDoubleSeconds(absl::Now() - start));
    parta_row.p50_ms = Ms(latencies.Percentile(0.50));
    parta_row.p99_ms = Ms(latencies.Percentile(0.99));
  }
  stop_emulator();
  if (failures != 0) return 1;
  parta_row.note = absl::StrCat(kWorkers, " people signing in one after another (closed loop)");
  // Three signatures and three verifications per sign-in, spread over the 2 cores.
  const double signs = Report::Median(openssl_row.per_second);
  const double verifies = Report::Median(verify_row.per_second);
  const double crypto_limit = 2 / (3 / signs + 3 / verifies);
  report.Add(std::move(openssl_row));
  report.Add(std::move(verify_row));
  report.Add(std::move(parta_row));
  report.AddRatio("sign-ins per second vs GOST signatures per second",
                  "parta sign-in round trip", kReference, 0);
  report.AddNote(absl::StrCat(
      "a sign-in makes three GOST R 34.10-2012 signatures and three verifications (identity "
      "signs two requests and verifies the ID token, the emulator the other way round, on the "
      "same 2 cores): their work alone would allow about ",
      static_cast<int>(crypto_limit), " sign-ins/s; the rest of the round trip is HTTP, gRPC "
      "and identity's writes"));
  report.Print();
  report.WriteJson(settings.results_dir + "/esia.json");
  return 0;
}

}  // namespace parta::bench
