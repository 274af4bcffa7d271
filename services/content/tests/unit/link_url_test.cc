#include "services/content/articles/link_url.h"

#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta::content {
namespace {

std::string UrlReason(absl::string_view url) { return ReasonOf(CheckLinkUrl(url)); }

TEST_CASE("Link URLs: http and https with a host", "[content][unit]") {
  CHECK(CheckLinkUrl("https://example.com").ok());
  CHECK(CheckLinkUrl("http://example.com/").ok());
  CHECK(CheckLinkUrl("HTTPS://Example.COM/Path?q=1&r=2#part").ok());
  CHECK(CheckLinkUrl("https://example.com:8443/a").ok());
  CHECK(CheckLinkUrl("https://sub-domain.example.co.uk./").ok());
  CHECK(CheckLinkUrl("https://192.168.10.1/admin").ok());
  CHECK(CheckLinkUrl("https://[2001:db8::1]:443/").ok());
  CHECK(CheckLinkUrl("https://example.com/it's?x=(1)").ok());
  // A path in Cyrillic, as people copy it from the address bar.
  CHECK(CheckLinkUrl("https://ru.wikipedia.org/wiki/Дробь_(математика)").ok());

  CHECK(UrlReason("") == "INVALID_LINK_URL");
  CHECK(UrlReason("example.com") == "INVALID_LINK_URL");
  CHECK(UrlReason("/relative/path") == "INVALID_LINK_URL");
  CHECK(UrlReason("//example.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("ftp://example.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("javascript:alert(1)") == "INVALID_LINK_URL");
  CHECK(UrlReason("javascript://example.com/%0aalert(1)") == "INVALID_LINK_URL");
  CHECK(UrlReason("data:text/html,<script>alert(1)</script>") == "INVALID_LINK_URL");
  CHECK(UrlReason("https:example.com") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://") == "INVALID_LINK_URL");
  CHECK(UrlReason("https:///path") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://:443/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com:0/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com:65536/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com:/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com:+80/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://[2001:db8::zz]/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://[::1/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://exa_mple.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://-example.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example..com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://exa%6dple.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://" + std::string(64, 'a') + ".com/") == "INVALID_LINK_URL");
}

TEST_CASE("Link URLs: no user names, spaces, controls or characters that break out of HTML",
          "[content][unit]") {
  CHECK(UrlReason("https://user@example.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://user:password@example.com/") == "INVALID_LINK_URL");
  // What looks like a school's site but goes to evil.example.
  CHECK(UrlReason("https://school.ru@evil.example/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com/a b") == "INVALID_LINK_URL");
  CHECK(UrlReason(" https://example.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com/\t") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://exam\nple.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason(std::string("https://example.com/\0", 21)) == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com/\x7f") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com/\xC2\x85") == "INVALID_LINK_URL");      // U+0085, C1
  CHECK(UrlReason("https://example.com/\xC2\xA0") == "INVALID_LINK_URL");      // no-break space
  CHECK(UrlReason("https://example.com/\xE2\x80\xAE") == "INVALID_LINK_URL");  // RLO
  CHECK(UrlReason("https://example.com\\@evil.example/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com/\"onmouseover=\"x") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com/<script>") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://example.com/\xC3\x28") == "INVALID_LINK_URL");  // not UTF-8
  CHECK(CheckLinkUrl("https://example.com/" + std::string(kMaxUrlBytes - 20, 'a')).ok());
  CHECK(UrlReason("https://example.com/" + std::string(kMaxUrlBytes - 19, 'a')) ==
        "INVALID_LINK_URL");
}

TEST_CASE("Link URLs: Cyrillic hosts as written or in punycode, look-alikes refused",
          "[content][unit]") {
  CHECK(CheckLinkUrl("https://школа.рф/").ok());
  CHECK(CheckLinkUrl("https://ШКОЛА.РФ/расписание?класс=5А").ok());
  CHECK(CheckLinkUrl("https://xn--80atdl2c.xn--p1ai/").ok());  // школа.рф
  CHECK(CheckLinkUrl("https://гимназия-1.москва/").ok());
  CHECK(CheckLinkUrl("https://東京.jp/").ok());
  CHECK(CheckLinkUrl("https://ひらがな漢字.jp/").ok());  // Japanese mixes Han and kana
  // "аpple.com" with a Cyrillic "а": one label, two alphabets.
  CHECK(UrlReason("https://\xD0\xB0pple.com/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://xn--pple-43d.com/") == "INVALID_LINK_URL");  // the same, punycode
  CHECK(UrlReason("https://xn--zz.com/") == "INVALID_LINK_URL");        // not punycode at all
  CHECK(UrlReason("https://шко ла.рф/") == "INVALID_LINK_URL");
  // Numbers that browsers read as an IPv4 address in disguise.
  CHECK(UrlReason("https://0x7f.1/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://2130706433/") == "INVALID_LINK_URL");
  CHECK(UrlReason("https://1.2.3.999/") == "INVALID_LINK_URL");
}

TEST_CASE("Article links: http, https and mailto only", "[content][unit]") {
  CHECK(IsAllowedHref("https://example.com/"));
  CHECK(IsAllowedHref("http://школа.рф/"));
  CHECK(IsAllowedHref("mailto:teacher@school.ru"));
  CHECK(IsAllowedHref("MAILTO:teacher@school.ru?subject=Домашнее задание") == false);  // space
  CHECK(IsAllowedHref("MAILTO:teacher@school.ru?subject=%D0%94%D0%97"));
  CHECK_FALSE(IsAllowedHref("mailto:"));
  CHECK_FALSE(IsAllowedHref("javascript:alert(1)"));
  CHECK_FALSE(IsAllowedHref("JaVaScRiPt:alert(1)"));
  CHECK_FALSE(IsAllowedHref("vbscript:msgbox(1)"));
  CHECK_FALSE(IsAllowedHref("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="));
  CHECK_FALSE(IsAllowedHref("file:///etc/passwd"));
  CHECK_FALSE(IsAllowedHref("/relative"));
  CHECK_FALSE(IsAllowedHref("relative/page.html"));
  CHECK_FALSE(IsAllowedHref("#anchor"));
  CHECK_FALSE(IsAllowedHref("//evil.example/"));
  CHECK_FALSE(IsAllowedHref("java\tscript:alert(1)"));
  CHECK_FALSE(IsAllowedHref("mailto:a@b.ru\njavascript:alert(1)"));
}

}  // namespace
}  // namespace parta::content
