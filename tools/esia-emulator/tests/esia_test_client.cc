#include "tools/esia-emulator/tests/esia_test_client.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/http/encoding.h"
#include "libs/testing/certificates.h"
#include "tools/esia-emulator/encoding.h"
#include "tools/esia-emulator/openssl.h"
#include "tools/esia-emulator/timestamp.h"

namespace parta::esia_emulator {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(10);

std::string ValueOf(const RequestParams& params, const std::string& name) {
  const auto found = params.find(name);
  return found == params.end() ? "" : found->second;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

OpenSslPtr<X509> ReadCertificate(const std::string& path) {
  const std::string pem = ReadFile(path);
  OpenSslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  OpenSslPtr<X509> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(certificate);
  return certificate;
}

}  // namespace

EsiaTestClient::EsiaTestClient(const testing::PrivateEsia& esia)
    : esia_(esia), http_("127.0.0.1", esia.port()) {}

http::Response EsiaTestClient::Send(http::Request request) {
  absl::StatusOr<http::Response> response = http_.Send(request, kTimeout);
  INFO(response.status().ToString());
  REQUIRE(response.ok());
  return *std::move(response);
}

RequestParams EsiaTestClient::AuthorizationParams(const std::string& scope,
                                                  const std::string& redirect_uri) {
  RequestParams params = {{"client_id", esia_.client_id()},
                          {"redirect_uri", redirect_uri},
                          {"scope", scope},
                          {"response_type", "code"},
                          {"state", NewUuidV7(absl::Now())},
                          {"timestamp", FormatEsiaTimestamp(absl::Now())},
                          {"access_type", "online"},
                          {"client_certificate_hash", esia_.client_certificate_hash()}};
  SignAuthorization(params, esia_.client_key_path(), esia_.client_certificate_path());
  return params;
}

void EsiaTestClient::SignAuthorization(RequestParams& params, const std::string& key_path,
                                       const std::string& certificate_path) const {
  params["client_secret"] = testing::SignDetachedCms(
      key_path, certificate_path,
      ValueOf(params, "client_id") + ValueOf(params, "scope") + ValueOf(params, "timestamp") +
          ValueOf(params, "state") + ValueOf(params, "redirect_uri"));
}

http::Response EsiaTestClient::GetAuthorization(const RequestParams& params) {
  return Send({.method = "GET",
               .target = "/aas/oauth2/v2/ac?" + FormEncode(params),
               .headers = {},
               .body = "",
               .body_file = ""});
}

http::Response EsiaTestClient::Login(const std::string& request_id, const std::string& person) {
  return Send({.method = "POST",
               .target = "/aas/oauth2/v2/ac/login",
               .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
               .body = FormEncode({{"request", request_id}, {"person", person}}),
               .body_file = ""});
}

RequestParams EsiaTestClient::TokenParams(const std::string& code, const std::string& redirect_uri,
                                          const std::string& scope) {
  RequestParams params = {{"client_id", esia_.client_id()},
                          {"code", code},
                          {"grant_type", "authorization_code"},
                          {"state", NewUuidV7(absl::Now())},
                          {"redirect_uri", redirect_uri},
                          {"scope", scope},
                          {"timestamp", FormatEsiaTimestamp(absl::Now())},
                          {"token_type", "Bearer"},
                          {"client_certificate_hash", esia_.client_certificate_hash()}};
  SignToken(params, esia_.client_key_path(), esia_.client_certificate_path());
  return params;
}

void EsiaTestClient::SignToken(RequestParams& params, const std::string& key_path,
                               const std::string& certificate_path) const {
  params["client_secret"] = testing::SignDetachedCms(
      key_path, certificate_path,
      ValueOf(params, "client_id") + ValueOf(params, "scope") + ValueOf(params, "timestamp") +
          ValueOf(params, "state") + ValueOf(params, "redirect_uri") + ValueOf(params, "code"));
}

http::Response EsiaTestClient::PostToken(const RequestParams& params) {
  return Send({.method = "POST",
               .target = "/aas/oauth2/v3/te",
               .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
               .body = FormEncode(params),
               .body_file = ""});
}

http::Response EsiaTestClient::GetResource(const std::string& path,
                                           const std::string& access_token) {
  return Send({.method = "GET",
               .target = path,
               .headers = {{"Authorization", "Bearer " + access_token}},
               .body = "",
               .body_file = ""});
}

std::string EsiaTestClient::AuthorizeAs(const std::string& person, const std::string& scope,
                                        const std::optional<std::string>& nonce) {
  RequestParams params = AuthorizationParams(scope, esia_.redirect_uris().front());
  if (nonce) params["nonce"] = *nonce;
  const http::Response page = GetAuthorization(params);
  INFO(page.body);
  REQUIRE(page.status == 200);
  const std::string request_id = LoginRequestId(page.body);
  REQUIRE(!request_id.empty());
  const http::Response redirect = Login(request_id, person);
  INFO(redirect.body);
  REQUIRE(redirect.status == 302);
  const RequestParams answer = QueryOf(redirect.Header("Location"));
  REQUIRE(ValueOf(answer, "state") == params["state"]);
  REQUIRE(!ValueOf(answer, "code").empty());
  return ValueOf(answer, "code");
}

nlohmann::json EsiaTestClient::ExchangeCode(const std::string& code, const std::string& scope) {
  const http::Response response =
      PostToken(TokenParams(code, esia_.redirect_uris().front(), scope));
  INFO(response.body);
  REQUIRE(response.status == 200);
  return nlohmann::json::parse(response.body);
}

std::string EsiaTestClient::AccessTokenFor(const std::string& person, const std::string& scope) {
  const nlohmann::json tokens = ExchangeCode(AuthorizeAs(person, scope), scope);
  return tokens.at("access_token").get<std::string>();
}

std::string FormEncode(const RequestParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += http::PercentEncode(name) + "=" + http::PercentEncode(value);
  }
  return out;
}

RequestParams QueryOf(const std::string& url) {
  const absl::StatusOr<Params> params = ParseForm(SplitTarget(url).query);
  REQUIRE(params.ok());
  return RequestParams(params->begin(), params->end());
}

std::string LoginRequestId(const std::string& page) {
  static const std::regex kField(R"re(<input type="hidden" name="request" value="([^"]*)">)re");
  std::smatch match;
  return std::regex_search(page, match, kField) ? match[1].str() : "";
}

std::optional<VerifiedJwt> VerifyJwt(const std::string& jwt, const std::string& certificate_path) {
  const std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  if (parts.size() != 3) return std::nullopt;
  const std::optional<std::string> header = DecodeBase64Url(parts[0]);
  const std::optional<std::string> claims = DecodeBase64Url(parts[1]);
  const std::optional<std::string> signature = DecodeBase64Url(parts[2]);
  if (!header || !claims || !signature) return std::nullopt;

  OpenSslPtr<X509> certificate = ReadCertificate(certificate_path);
  OpenSslPtr<EVP_PKEY> key(X509_get_pubkey(certificate.get()));
  REQUIRE(key);
  OpenSslPtr<EVP_MD_CTX> context(EVP_MD_CTX_new());
  const std::string signing_input = parts[0] + "." + parts[1];
  if (EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                       signature->size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
    TakeOpenSslErrors();
    return std::nullopt;
  }
  return VerifiedJwt{nlohmann::json::parse(*header), nlohmann::json::parse(*claims)};
}

std::string SignCms(const std::string& key_path, const std::string& certificate_path,
                    const std::string& data, bool include_certificate, bool detached) {
  OpenSslPtr<X509> certificate = ReadCertificate(certificate_path);
  const std::string key_pem = ReadFile(key_path);
  OpenSslPtr<BIO> key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  OpenSslPtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(key);
  OpenSslPtr<BIO> content(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  const unsigned flags = CMS_BINARY | (detached ? CMS_DETACHED : 0u) |
                         (include_certificate ? 0u : static_cast<unsigned>(CMS_NOCERTS));
  OpenSslPtr<CMS_ContentInfo> cms(
      CMS_sign(certificate.get(), key.get(), nullptr, content.get(), flags));
  REQUIRE(cms);
  unsigned char* der = nullptr;
  const int length = i2d_CMS_ContentInfo(cms.get(), &der);
  REQUIRE(length > 0);
  const std::string bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return Base64UrlEncode(bytes);
}

}  // namespace parta::esia_emulator
