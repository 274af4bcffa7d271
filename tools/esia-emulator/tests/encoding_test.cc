#include "libs/http/encoding.h"

#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "libs/testing/status_matchers.h"
#include "tools/esia-emulator/encoding.h"

namespace parta::esia_emulator {
namespace {

TEST_CASE("ParseForm splits a query and refuses repeated parameters", "[esia][unit]") {
  const absl::StatusOr<Params> params = ParseForm("a=1&b=x%20y&&flag&c=");
  REQUIRE_OK(params);
  CHECK(params->size() == 4);
  CHECK(params->at("a") == "1");
  CHECK(params->at("b") == "x y");
  CHECK(params->at("flag").empty());
  CHECK(params->at("c").empty());
  CHECK_STATUS(ParseForm("a=1&a=2"), kInvalidArgument, "DUPLICATE_PARAMETER");
  CHECK_STATUS(ParseForm("a=%G0"), kInvalidArgument, "BAD_ENCODING");
}

TEST_CASE("AppendQuery encodes values and joins with the right separator", "[esia][unit]") {
  CHECK(AppendQuery("https://a.example/cb", {{"code", "x y"}, {"state", "a&b=c"}}) ==
        "https://a.example/cb?code=x%20y&state=a%26b%3Dc");
  CHECK(AppendQuery("https://a.example/cb?school=1", {{"error", "invalid_request"}}) ==
        "https://a.example/cb?school=1&error=invalid_request");
}

TEST_CASE("EscapeHtml escapes markup and quotes", "[esia][unit]") {
  CHECK(EscapeHtml(R"(<a href="x">'&'</a>)") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(EscapeHtml("Иванов") == "Иванов");
}

TEST_CASE("DecodeBase64Url takes padded and unpadded text and nothing else", "[esia][unit]") {
  CHECK(DecodeBase64Url("aGk") == std::optional<std::string>("hi"));
  CHECK(DecodeBase64Url("aGk=") == std::optional<std::string>("hi"));
  CHECK(DecodeBase64Url(Base64UrlEncode("\xfb\xff")) == std::optional<std::string>("\xfb\xff"));
  CHECK(Base64UrlEncode("\xfb\xff") == "-_8");
  CHECK(!DecodeBase64Url("+/8").has_value());
  CHECK(!DecodeBase64Url("aG=k").has_value());
  CHECK(!DecodeBase64Url("aGk===").has_value());
}

TEST_CASE("IsUuidText takes 8-4-4-4-12 hex digits in either case", "[esia][unit]") {
  CHECK(IsUuidText("0190f3c4-7d2a-7c3b-9f1e-0123456789ab"));
  CHECK(IsUuidText("0190F3C4-7D2A-7C3B-9F1E-0123456789AB"));
  CHECK(!IsUuidText("0190f3c47d2a7c3b9f1e0123456789ab"));
  CHECK(!IsUuidText("0190f3c4-7d2a-7c3b-9f1e-0123456789ag"));
  CHECK(!IsUuidText("0190f3c4-7d2a-7c3b-9f1e-0123456789a"));
  CHECK(!IsUuidText(""));
}

TEST_CASE("SplitTarget separates the path from the query", "[esia][unit]") {
  CHECK(SplitTarget("/a/b?c=d?e").path == "/a/b");
  CHECK(SplitTarget("/a/b?c=d?e").query == "c=d?e");
  CHECK(SplitTarget("/a").query.empty());
}

}  // namespace
}  // namespace parta::esia_emulator
