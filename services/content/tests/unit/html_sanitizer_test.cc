#include "services/content/articles/html_sanitizer.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libs/core/status.h"

namespace parta::content {
namespace {

// Checks that `html` holds only allowed elements and attributes, every link to an allowed
// scheme: it is scanned as the sanitiser writes (text never holds a raw "<", attribute values
// are double-quoted and never hold a raw quote).
void CheckOnlyAllowedMarkup(const std::string& html) {
  static const std::set<std::string> kElements = {
      "p",  "br", "h2",    "h3",    "h4",         "strong", "b",    "em", "i",
      "u",  "s",  "sub",   "sup",   "blockquote", "pre",    "code", "ul", "ol",
      "li", "a",  "table", "thead", "tbody",      "tr",     "th",   "td", "hr"};
  static const std::set<std::string> kAttributes = {"href", "rel", "target", "colspan", "rowspan"};
  size_t at = 0;
  while ((at = html.find('<', at)) != std::string::npos) {
    const size_t end = html.find('>', at);
    REQUIRE(end != std::string::npos);
    std::string tag = html.substr(at + 1, end - at - 1);
    at = end + 1;
    if (absl::StartsWith(tag, "/")) tag = tag.substr(1);
    const size_t space = tag.find(' ');
    const std::string name = tag.substr(0, space);
    INFO(html);
    CHECK(kElements.contains(name));
    if (space == std::string::npos) continue;
    std::string rest = tag.substr(space);
    while (!rest.empty()) {
      REQUIRE(rest[0] == ' ');
      const size_t equals = rest.find("=\"");
      REQUIRE(equals != std::string::npos);
      const std::string attribute = rest.substr(1, equals - 1);
      const size_t close = rest.find('"', equals + 2);
      REQUIRE(close != std::string::npos);
      const std::string value = rest.substr(equals + 2, close - equals - 2);
      CHECK(kAttributes.contains(attribute));
      if (attribute == "href") {
        const std::string lower = absl::AsciiStrToLower(value);
        CHECK((absl::StartsWith(lower, "https://") || absl::StartsWith(lower, "http://") ||
               absl::StartsWith(lower, "mailto:")));
      }
      rest = rest.substr(close + 1);
    }
  }
}

// Cleans `html`, checks what comes out (allowed markup only; cleaning it again changes
// nothing) and answers it.
SanitizedArticle CleanArticle(const std::string& html) {
  INFO(html);
  absl::StatusOr<SanitizedArticle> article = SanitizeArticleHtml(html);
  REQUIRE(article.ok());
  CheckOnlyAllowedMarkup(article->html);
  absl::StatusOr<SanitizedArticle> again = SanitizeArticleHtml(article->html);
  REQUIRE(again.ok());
  CHECK(again->html == article->html);
  CHECK(again->text == article->text);
  return *article;
}

std::string Clean(const std::string& html) { return CleanArticle(html).html; }

constexpr const char* kLinkAttributes = " rel=\"noopener noreferrer nofollow\" target=\"_blank\"";

std::string Link(const std::string& href, const std::string& text) {
  return "<a href=\"" + href + "\"" + kLinkAttributes + ">" + text + "</a>";
}

TEST_CASE("Article HTML: allowed markup is kept as it is", "[content][unit]") {
  const std::string rich =
      "<h2>Дроби</h2><p>Сложение <strong>обыкновенных</strong> <em>дробей</em>, <b>b</b> <i>i</i> "
      "<u>u</u> <s>s</s> H<sub>2</sub>O x<sup>2</sup></p><blockquote><p>Цитата</p></blockquote>"
      "<pre>int x = 1;\n  x++;</pre><p><code>a &lt; b</code></p><ul><li>один</li><li>два</li></ul>"
      "<ol><li>первый<ol><li>вложенный</li></ol></li></ol><hr><p>строка<br>другая</p>"
      "<table><thead><tr><th>Класс</th><th colspan=\"2\">Учитель</th></tr></thead><tbody><tr>"
      "<td rowspan=\"3\">5А</td><td>Иванова</td></tr></tbody></table><h3>h3</h3><h4>h4</h4><p>" +
      Link("https://школа.рф/", "школа") + " " + Link("mailto:teacher@school.ru", "почта") + "</p>";
  CHECK(Clean(rich) == rich);
}

TEST_CASE("Article HTML: Cyrillic and other UTF-8 round trip, text is escaped", "[content][unit]") {
  CHECK(Clean("<p>Привет, мир! Ёжик — «ёлка» № 5</p>") == "<p>Привет, мир! Ёжик — «ёлка» № 5</p>");
  CHECK(Clean("Просто текст 😀 中文") == "Просто текст 😀 中文");
  CHECK(Clean("1 < 2 & 3 > 2 \"quoted\"") == "1 &lt; 2 &amp; 3 &gt; 2 \"quoted\"");
  CHECK(Clean("&lt;script&gt;alert(1)&lt;/script&gt;") == "&lt;script&gt;alert(1)&lt;/script&gt;");
  CHECK(Clean("&amp;lt;&nbsp;&copy;&#x416;&#1046;") == "&amp;lt;\u00a0©ЖЖ");
  CHECK(Clean("") == "");
  // The parser writes controls as U+FFFD REPLACEMENT CHARACTER; a form feed is a space.
  CHECK(Clean("a\x01"
              "b\x7f"
              "c\fd") == "a\uFFFDb\uFFFDc d");
  CHECK(Clean("  \n <p>x</p>") == "<p>x</p>");
}

TEST_CASE("Article HTML: script, style and embedded content go with what they hold",
          "[content][unit]") {
  CHECK(Clean("<p>a</p><script>alert(1)</script><p>b</p>") == "<p>a</p><p>b</p>");
  CHECK(Clean("<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>") == "");
  CHECK(Clean("<style>body{background:url(javascript:alert(1))}</style>x") == "x");
  CHECK(Clean("<iframe src=\"javascript:alert(1)\">inside</iframe>") == "");
  CHECK(Clean("<object data=\"x.swf\"><param name=a value=b>fallback</object>") == "");
  CHECK(Clean("<embed src=\"x.swf\">") == "");
  CHECK(Clean("<svg onload=alert(1)><text>t</text></svg>") == "");
  CHECK(Clean("<svg><script>alert(1)</script></svg>") == "");
  CHECK(Clean("<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>") == "");
  CHECK(Clean("<template><img src=x onerror=alert(1)></template>") == "");
  CHECK(Clean("<textarea><img src=x onerror=alert(1)></textarea>") == "");
  // The parser ends a noscript at its first other element: the paragraph stays, its title
  // (with the markup in it) goes.
  CHECK(Clean("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">") == "<p></p>");
  CHECK(Clean("<xmp><script>alert(1)</script></xmp>") == "");
  CHECK(Clean("<!-- <script>alert(1)</script> -->ok") == "ok");
  // CDATA is a bogus comment in HTML: it ends at the first ">", the rest is text.
  CHECK(Clean("<![CDATA[<script>alert(1)</script>]]>") == "alert(1)]]&gt;");
  // The DOMPurify mutation XSS: nothing of MathML survives.
  const std::string mxss = Clean(
      "<math><mtext><table><mglyph><style><!--</style><img title=\"--&gt;&lt;/mglyph&gt;"
      "&lt;img&Tab;src=1&Tab;onerror=alert(1)&gt;\">");
  CHECK_FALSE(absl::StrContains(mxss, "<img"));
  CHECK_FALSE(absl::StrContains(mxss, "onerror="));
}

TEST_CASE("Article HTML: the OWASP filter-evasion classics come out harmless", "[content][unit]") {
  CHECK(Clean("<img src=x onerror=alert(1)>") == "");
  CHECK(Clean("<IMG SRC=\"javascript:alert('XSS');\">") == "");
  CHECK(Clean("<body onload=alert(1)>text") == "text");
  CHECK(Clean("<p onclick=\"alert(1)\" style=\"x:expression(alert(1))\" class=c id=i>t</p>") ==
        "<p>t</p>");
  CHECK(Clean("<a href=\"javascript:alert(1)\">x</a>") == "x");
  CHECK(Clean("<a href=\"jAvAsCrIpT:alert(1)\">x</a>") == "x");
  CHECK(Clean("<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)"
              "\">x</a>") == "x");
  CHECK(Clean("<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>") == "x");
  CHECK(Clean("<a href=\"java&#x09;script:alert(1)\">x</a>") == "x");
  CHECK(Clean("<a href=\"java\nscript:alert(1)\">x</a>") == "x");
  CHECK(Clean("<a href=\" &#14; javascript:alert(1)\">x</a>") == "x");
  CHECK(Clean("<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>") ==
        "x");
  CHECK(Clean("<a href=\"vbscript:msgbox(1)\">x</a>") == "x");
  CHECK(Clean("<a href=\"/relative\">x</a>") == "x");
  CHECK(Clean("<a href=\"//evil.example/\">x</a>") == "x");
  CHECK(Clean("<a>no href</a>") == "no href");
  CHECK(Clean("<a href=\"https://ok.example/\" onmouseover=\"alert(1)\" target=\"_self\" "
              "rel=\"opener\">x</a>") == Link("https://ok.example/", "x"));
  // Quotes in attributes cannot break out.
  CHECK(Clean("<a href='https://ok.example/\"onmouseover=\"alert(1)'>x</a>") == "x");
  CHECK(Clean("<a href='https://ok.example/it&#39;s'>x</a>") ==
        Link("https://ok.example/it's", "x"));
  CHECK(Clean("<a href=\"https://ok.example/?a=1&amp;b=2\">x</a>") ==
        Link("https://ok.example/?a=1&amp;b=2", "x"));
  CHECK(Clean("<a href=\"  https://ok.example/  \">x</a>") == Link("https://ok.example/", "x"));
  CHECK(Clean("<p title=\"\"><script>alert(1)</script>\"></p>") == "<p>\"&gt;</p>");
  // A script tag split around another.
  const std::string split = Clean("<scr<script>ipt>alert(1)</scr</script>ipt>");
  CHECK_FALSE(absl::StrContains(split, "<scr"));
  CHECK(Clean("<<script>alert(1);//<</script>") == "&lt;");
  CHECK(Clean("<script/xss src=\"https://xss.example/x.js\"></script>") == "");
  CHECK(Clean("<div style=\"background:url(javascript:alert(1))\">d</div>") == "d<br>");
  CHECK(Clean("<input type=image src=javascript:alert(1)>") == "");
  CHECK(Clean("<form action=javascript:alert(1)><button>go</button></form>") == "go<br>");
  CHECK(Clean("<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">t") == "t");
  CHECK(Clean("<base href=\"javascript:alert(1)//\">t") == "t");
  CHECK(Clean("<link rel=stylesheet href=\"javascript:alert(1)\">t") == "t");
  CHECK(Clean("<table background=\"javascript:alert(1)\"><tr><td>c</td></tr></table>") ==
        "<table><tbody><tr><td>c</td></tr></tbody></table>");
  CHECK(Clean("<frameset><frame src=\"javascript:alert(1)\"></frameset>") == "");
}

TEST_CASE("Article HTML: broken markup is repaired as a browser repairs it", "[content][unit]") {
  CHECK(Clean("<p>one<p>two") == "<p>one</p><p>two</p>");
  CHECK(Clean("<b>bold <i>both</b> italic</i>") == "<b>bold <i>both</i></b><i> italic</i>");
  CHECK(Clean("<ul><li>a<li>b</ul>") == "<ul><li>a</li><li>b</li></ul>");
  CHECK(Clean("<table><tr><td>a<td>b</table>") ==
        "<table><tbody><tr><td>a</td><td>b</td></tr></tbody></table>");
  CHECK(Clean("</p></b></div>text") == "text");
  CHECK(Clean("x</p>y") == "x<p></p>y");
  CHECK(Clean("<h1>Заголовок</h1><h5>мелкий</h5><h6>ещё</h6>") ==
        "<h2>Заголовок</h2><h4>мелкий</h4><h4>ещё</h4>");
  // Text the parser moves out of a table comes before it.
  CHECK(Clean("<table>stray<tr><td>c</td></tr></table>") ==
        "stray<table><tbody><tr><td>c</td></tr></tbody></table>");
  CHECK(Clean("<table><caption>Подпись</caption><colgroup><col></colgroup><tfoot><tr><td>f</td>"
              "</tr></tfoot></table>") == "<table><tbody><tr><td>f</td></tr></tbody></table>");
  CHECK(Clean("<td colspan=\"1000\" rowspan=\"2x\">c</td>") == "c");
  CHECK(Clean("<table><tr><td colspan=\"1000\" rowspan=\"2x\">c</td><td colspan=\"03\">d</td>"
              "</tr></table>") ==
        "<table><tbody><tr><td>c</td><td colspan=\"3\">d</td></tr></tbody></table>");
}

TEST_CASE("Article HTML: other elements give way to their text", "[content][unit]") {
  CHECK(Clean("<span style=\"color:red\">red</span> <font face=x>font</font>") == "red font");
  CHECK(Clean("<div>first</div><div>second</div>") == "first<br>second<br>");
  CHECK(Clean("<div><p>para</p></div>after") == "<p>para</p>after");
  CHECK(Clean("before<section>inside</section>") == "before<br>inside<br>");
  CHECK(Clean("<li>loose item</li>") == "loose item<br>");
  CHECK(Clean("<custom-element>custom</custom-element>") == "custom");
  CHECK(Clean("<dl><dt>term</dt><dd>meaning</dd></dl>") == "term<br>meaning<br>");
}

TEST_CASE("Article HTML: what would not stay in place on the next parse gives way",
          "[content][unit]") {
  // A button lets the parser put a paragraph inside a paragraph, a marquee a link inside a
  // link: written as they are, they would be parsed apart next time.
  CHECK(Clean("<p>a<button><p>b</p></button></p>") == "<p>a<br>b<br></p>");
  CHECK(Clean("<a href=\"https://a.example/\">a<marquee><a href=\"https://b.example/\">b</a>"
              "</marquee></a>") == Link("https://a.example/", "a<br>b<br>"));
  CHECK(Clean("<ul><li>a<button><li>b</li></button></li></ul>") == "<ul><li>a<br>b<br></li></ul>");
  CHECK(Clean("<h2><span><h3>inner</h3></span></h2>") == "<h2>inner<br></h2>");
  CHECK(Clean("<p><table><tr><td>x</td></tr></table></p>") == "<p>x<br></p>");
  // The newline that follows <pre> is the parser's to drop: the text's own is written twice.
  CHECK(Clean("<pre>\n\ncode</pre>") == "<pre>\n\ncode</pre>");
  CHECK(Clean("<pre><span>\nx</span></pre>") == "<pre>\n\nx</pre>");
}

TEST_CASE("Article HTML: the plain text for search", "[content][unit]") {
  const SanitizedArticle article = CleanArticle(
      "<h2>Дроби</h2><p>Сложение   <b>дробей</b>\n с разными&nbsp;знаменателями</p><ul><li>один"
      "</li><li>два</li></ul><script>скрипт</script><div>блок</div>строка<br>вторая"
      "<table><tr><td>ячейка</td><td>соседняя</td></tr></table>");
  CHECK(article.text ==
        "Дроби\nСложение дробей с разными знаменателями\nодин\nдва\nблок\nстрока\nвторая\nячейка\n"
        "соседняя");
}

TEST_CASE("Article HTML: bodies that are not UTF-8 or too long are refused", "[content][unit]") {
  CHECK(ReasonOf(SanitizeArticleHtml("<p>\xC3\x28</p>").status()) == "INVALID_ARTICLE_BODY");
  CHECK(ReasonOf(SanitizeArticleHtml("<p>\xED\xA0\x80</p>").status()) ==  // a surrogate
        "INVALID_ARTICLE_BODY");
  CHECK(SanitizeArticleHtml(std::string(kMaxArticleBytes, 'x')).ok());
  CHECK(ReasonOf(SanitizeArticleHtml(std::string(kMaxArticleBytes + 1, 'x')).status()) ==
        "INVALID_ARTICLE_BODY");
  // Short enough as sent, too long once "&" is written as "&amp;".
  CHECK(ReasonOf(SanitizeArticleHtml(std::string(kMaxArticleBytes / 2, '&')).status()) ==
        "INVALID_ARTICLE_BODY");
}

TEST_CASE("Article HTML: deep nesting neither crashes nor nests deeper than 64",
          "[content][unit]") {
  std::string nested;
  for (size_t i = 0; i < kMaxArticleTags; ++i) nested += "<div>";
  nested += "deep";
  CHECK(Clean(nested) == "deep<br>");
  std::string quotes;
  for (size_t i = 0; i < kMaxArticleTags; ++i) quotes += "<blockquote>";
  quotes += "q";
  const std::string cleaned = Clean(quotes);
  size_t opened = 0;
  for (size_t at = 0; (at = cleaned.find("<blockquote>", at)) != std::string::npos; ++at) ++opened;
  CHECK(opened == 64);
  CHECK(absl::StrContains(cleaned, "q"));
}

TEST_CASE("Article HTML: random tag soup comes out clean and stays as it is", "[content][unit]") {
  const std::vector<std::string> pieces = {"<p>",
                                           "</p>",
                                           "<b>",
                                           "</b>",
                                           "<i>",
                                           "</i>",
                                           "<a href=\"https://a.example/?x=1&y=2\">",
                                           "<a href=\"javascript:alert(1)\">",
                                           "</a>",
                                           "<ul>",
                                           "</ul>",
                                           "<ol>",
                                           "<li>",
                                           "</li>",
                                           "<table>",
                                           "<tr>",
                                           "<td colspan=2>",
                                           "<th>",
                                           "</td>",
                                           "</table>",
                                           "<tfoot>",
                                           "<caption>",
                                           "<div>",
                                           "</div>",
                                           "<span>",
                                           "<button>",
                                           "</button>",
                                           "<marquee>",
                                           "<h1>",
                                           "<h2>",
                                           "</h2>",
                                           "<h3>",
                                           "<pre>",
                                           "</pre>",
                                           "\n",
                                           " ",
                                           "text",
                                           "Привет",
                                           "<br>",
                                           "<hr>",
                                           "<blockquote>",
                                           "<code>",
                                           "<script>alert(1)</script>",
                                           "<script>",
                                           "<svg>",
                                           "<math>",
                                           "<style>",
                                           "</style>",
                                           "<img src=x onerror=alert(1)>",
                                           "&amp;",
                                           "&lt;",
                                           "<",
                                           ">",
                                           "\"",
                                           "'",
                                           "<!--",
                                           "-->",
                                           "<select>",
                                           "<option>",
                                           "<template>",
                                           "<noscript>",
                                           "<textarea>",
                                           "<object>",
                                           "<iframe>",
                                           "<p title=\"</noscript><img src=x onerror=alert(1)>\">",
                                           "<dl>",
                                           "<dd>",
                                           "<form>",
                                           "<sub>",
                                           "<sup>",
                                           "<u>",
                                           "<s>",
                                           "<strong>",
                                           "<em>",
                                           "<thead>",
                                           "<tbody>"};
  uint64_t state = 20261206;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  };
  for (int document = 0; document < 3000; ++document) {
    std::string html;
    const uint64_t length = 1 + next(40);
    for (uint64_t i = 0; i < length; ++i) html += pieces[next(pieces.size())];
    const std::string cleaned = Clean(html);
    CHECK_FALSE(absl::StrContains(cleaned, "javascript"));
    CHECK_FALSE(absl::StrContains(cleaned, "onerror"));
  }
}

std::string Repeated(const std::string& piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out.append(piece);
  return out;
}

TEST_CASE("Article HTML: bodies of more start tags than allowed are refused before parsing",
          "[content][unit]") {
  // Hostile nesting at the size limit, which would cost the parser a deep recursion or
  // quadratic time: refused.
  const std::vector<std::string> hostile = {
      Repeated("<i>", 66'000),
      Repeated("<i>", 33'000) + std::string(100'000, 'x'),
      Repeated("<div>", 20'000) + Repeated("</p>", 25'000),
      Repeated("<b>", kMaxArticleTags + 1),
  };
  for (const std::string& html : hostile) {
    REQUIRE(html.size() <= kMaxArticleBytes);
    const absl::StatusOr<SanitizedArticle> article = SanitizeArticleHtml(html);
    CHECK(ReasonOf(article.status()) == "INVALID_ARTICLE_BODY");
    CHECK(absl::StrContains(article.status().message(), "tags"));
  }
  // "<" followed by anything but a letter is no start tag.
  CHECK(CleanArticle(Repeated("a<1 ", 2 * kMaxArticleTags)).text ==
        Repeated("a<1 ", 2 * kMaxArticleTags).substr(0, 8 * kMaxArticleTags - 1));

  // The worst that is allowed, as large as allowed, is cleaned.
  const std::string deep_text =
      Repeated("<i>", kMaxArticleTags) + std::string(kMaxArticleBytes - 3 * kMaxArticleTags, 'x');
  const SanitizedArticle text = CleanArticle(deep_text);
  CHECK(text.text == std::string(kMaxArticleBytes - 3 * kMaxArticleTags, 'x'));
  const std::string ends = Repeated("<div>", kMaxArticleTags) +
                           Repeated("</p>", (kMaxArticleBytes - 5 * kMaxArticleTags) / 4);
  const absl::StatusOr<SanitizedArticle> paragraphs = SanitizeArticleHtml(ends);
  CHECK((paragraphs.ok() || ReasonOf(paragraphs.status()) == "INVALID_ARTICLE_BODY"));
}

}  // namespace
}  // namespace parta::content
