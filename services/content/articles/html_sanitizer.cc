#include "services/content/articles/html_sanitizer.h"

#include <gumbo.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/text/utf8.h"
#include "services/content/articles/link_url.h"

namespace parta::content {
namespace {

// Kept elements nested deeper than this give way to their text: readers' browsers and editors
// need not cope with pathological depth, and the output's depth stays bounded.
constexpr int kMaxDepth = 64;
// The largest colspan and rowspan kept.
constexpr int kMaxSpan = 100;

absl::Status InvalidBody(absl::string_view why) {
  return InvalidArgument("INVALID_ARTICLE_BODY", absl::StrCat("the article's body ", why));
}

// Whether `html` holds more than kMaxArticleTags "<" followed by a letter or "/": every start and
// end tag and then some (such text in a tag's attributes or a script), counted without parsing.
bool HasTooManyTags(absl::string_view html) {
  size_t tags = 0;
  for (size_t at = html.find('<'); at != absl::string_view::npos; at = html.find('<', at + 1)) {
    if (at + 1 < html.size() &&
        (absl::ascii_isalpha(static_cast<unsigned char>(html[at + 1])) || html[at + 1] == '/') &&
        ++tags > kMaxArticleTags) {
      return true;
    }
  }
  return false;
}

// Elements that go with everything inside them: code, styles, embedded documents and objects,
// foreign markup, and elements whose content is not text meant to be read in place (fallbacks,
// form fields, the head).
bool IsDropped(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_XMP:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_COL:
      return true;
    default:
      return false;
  }
}

// The element a kept one is written as: h1 → h2, h5 and h6 → h4, tfoot → tbody.
GumboTag Written(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_H1:
      return GUMBO_TAG_H2;
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
      return GUMBO_TAG_H4;
    case GUMBO_TAG_TFOOT:
      return GUMBO_TAG_TBODY;
    default:
      return tag;
  }
}

// The name of an element that may be kept (after Written), or nullptr.
const char* KeptName(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
      return "p";
    case GUMBO_TAG_BR:
      return "br";
    case GUMBO_TAG_H2:
      return "h2";
    case GUMBO_TAG_H3:
      return "h3";
    case GUMBO_TAG_H4:
      return "h4";
    case GUMBO_TAG_STRONG:
      return "strong";
    case GUMBO_TAG_B:
      return "b";
    case GUMBO_TAG_EM:
      return "em";
    case GUMBO_TAG_I:
      return "i";
    case GUMBO_TAG_U:
      return "u";
    case GUMBO_TAG_S:
      return "s";
    case GUMBO_TAG_SUB:
      return "sub";
    case GUMBO_TAG_SUP:
      return "sup";
    case GUMBO_TAG_BLOCKQUOTE:
      return "blockquote";
    case GUMBO_TAG_PRE:
      return "pre";
    case GUMBO_TAG_CODE:
      return "code";
    case GUMBO_TAG_UL:
      return "ul";
    case GUMBO_TAG_OL:
      return "ol";
    case GUMBO_TAG_LI:
      return "li";
    case GUMBO_TAG_A:
      return "a";
    case GUMBO_TAG_TABLE:
      return "table";
    case GUMBO_TAG_THEAD:
      return "thead";
    case GUMBO_TAG_TBODY:
      return "tbody";
    case GUMBO_TAG_TR:
      return "tr";
    case GUMBO_TAG_TH:
      return "th";
    case GUMBO_TAG_TD:
      return "td";
    case GUMBO_TAG_HR:
      return "hr";
    default:
      return nullptr;
  }
}

// Elements that are blocks of their own: their text is kept apart from their neighbours'.
bool IsBlock(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_DIR:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_LISTING:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_MARQUEE:
      return true;
    default:
      return false;
  }
}

bool IsHeading(GumboTag tag) {
  return tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4;
}

// A table's own structure, inside which the parser keeps nothing but the structure's next level.
bool IsTableStructure(GumboTag tag) {
  return tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TBODY ||
         tag == GUMBO_TAG_TR;
}

// Where the walk stands, as the output sees it.
struct Context {
  GumboTag parent = GUMBO_TAG_BODY;  // the nearest kept element, as written
  bool phrasing = false;             // inside p or a heading: the parser closes them at a block
  bool link = false;                 // inside a kept link: the parser closes it at another link
  int depth = 0;                     // kept elements around
};

enum class Fate { kKeep, kUnwrap, kDrop };

// What becomes of an element (`tag` as written) in `context`; for a kept link, its href.
Fate FateOf(GumboTag tag, const GumboElement& element, const Context& context, std::string& href) {
  if (IsTableStructure(context.parent)) {
    // Whatever else stands here (a caption's or a footer's content, once unwrapped) the parser
    // would move before the table on the next parse.
    const bool fits =
        (context.parent == GUMBO_TAG_TABLE && (tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TBODY)) ||
        ((context.parent == GUMBO_TAG_THEAD || context.parent == GUMBO_TAG_TBODY) &&
         tag == GUMBO_TAG_TR) ||
        (context.parent == GUMBO_TAG_TR && (tag == GUMBO_TAG_TH || tag == GUMBO_TAG_TD));
    return fits && context.depth < kMaxDepth ? Fate::kKeep : Fate::kDrop;
  }
  if (KeptName(tag) == nullptr) return Fate::kUnwrap;
  // Void elements add no depth: a line break a deep element gave way to stays.
  const bool is_void = tag == GUMBO_TAG_BR || tag == GUMBO_TAG_HR;
  if (context.depth >= kMaxDepth && !is_void) return Fate::kUnwrap;
  switch (tag) {
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_TD:
      return Fate::kUnwrap;  // outside their table (one that gave way to its text)
    case GUMBO_TAG_LI:
      return context.parent == GUMBO_TAG_UL || context.parent == GUMBO_TAG_OL ? Fate::kKeep
                                                                              : Fate::kUnwrap;
    case GUMBO_TAG_A: {
      if (context.link) return Fate::kUnwrap;
      const GumboAttribute* attribute = gumbo_get_attribute(&element.attributes, "href");
      if (attribute == nullptr) return Fate::kUnwrap;
      // Browsers ignore the whitespace around a URL; javascript: hidden behind it is still
      // refused below.
      href = std::string(absl::StripAsciiWhitespace(attribute->value));
      return IsAllowedHref(href) ? Fate::kKeep : Fate::kUnwrap;
    }
    default:
      break;
  }
  if (context.phrasing && IsBlock(tag)) return Fate::kUnwrap;
  return Fate::kKeep;
}

void AppendEscaped(std::string& out, absl::string_view text, bool attribute) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      case '\f':
        out += ' ';
        break;
      default: {
        // Other control characters have no meaning in text; bytes of UTF-8 sequences are all
        // above 0x7F and pass.
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7F) break;
        out += c;
      }
    }
  }
}

// A cell's span as written: 1–kMaxSpan in decimal digits, or nothing.
std::string SpanOf(const GumboElement& element, const char* name) {
  const GumboAttribute* attribute = gumbo_get_attribute(&element.attributes, name);
  if (attribute == nullptr) return "";
  const absl::string_view value = attribute->value;
  int span = 0;
  if (value.empty() || value.size() > 3 ||
      !std::all_of(value.begin(), value.end(),
                   [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }) ||
      !absl::SimpleAtoi(value, &span) || span < 1 || span > kMaxSpan) {
    return "";
  }
  return absl::StrCat(" ", name, "=\"", span, "\"");
}

std::string AttributesOf(GumboTag tag, const GumboElement& element, const std::string& href) {
  if (tag == GUMBO_TAG_A) {
    std::string attributes = " href=\"";
    AppendEscaped(attributes, href, true);
    // The page opened cannot reach back into the reader's tab, learns nothing of where he came
    // from, and gains no ranking from a school's site.
    attributes += "\" rel=\"noopener noreferrer nofollow\" target=\"_blank\"";
    return attributes;
  }
  if (tag == GUMBO_TAG_TH || tag == GUMBO_TAG_TD) {
    return SpanOf(element, "colspan") + SpanOf(element, "rowspan");
  }
  return "";
}

// The HTML and the text as they are written.
class Writer {
 public:
  void Open(GumboTag tag, absl::string_view name, absl::string_view attributes) {
    if (IsBlock(tag)) EndLine();
    absl::StrAppend(&html_, "<", name, attributes, ">");
    after_pre_ = tag == GUMBO_TAG_PRE;
  }

  void Close(GumboTag tag, absl::string_view name) {
    if (IsBlock(tag)) EndLine();
    absl::StrAppend(&html_, "</", name, ">");
    after_pre_ = false;
  }

  void Break() {
    html_ += "<br>";
    EndLine();
    after_pre_ = false;
  }

  // Where an element that gave way to its text starts or ends: a block's text stays on lines of
  // its own.
  void Boundary(GumboTag tag) {
    if (!IsBlock(tag)) return;
    if (line_open_) Break();
    text_ += '\n';
  }

  void Text(absl::string_view text) {
    if (text.empty()) return;
    // The parser drops a line break right after <pre>: one that belongs to the text is written
    // twice, as the HTML serialisation algorithm does.
    if (after_pre_ && text[0] == '\n') html_ += '\n';
    after_pre_ = false;
    AppendEscaped(html_, text, false);
    // A line break in text is a space to a reader (pre aside): lines in the plain text are
    // blocks.
    const size_t start = text_.size();
    text_.append(text.data(), text.size());
    std::replace(text_.begin() + static_cast<std::ptrdiff_t>(start), text_.end(), '\n', ' ');
    if (!absl::StripAsciiWhitespace(text).empty()) line_open_ = true;
  }

  std::string& html() { return html_; }

  // The words with single spaces, blocks on lines of their own, no control characters.
  std::string PlainText() const {
    std::string out;
    bool space = false;
    bool line = false;
    for (size_t i = 0; i < text_.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text_[i]);
      if (byte == '\n') {
        line = true;
      } else if (byte == ' ' || byte == '\t' || byte == '\f' || byte == '\r' || byte == '\v') {
        space = true;
      } else if (byte == 0xC2 && i + 1 < text_.size() &&
                 static_cast<unsigned char>(text_[i + 1]) == 0xA0) {
        space = true;  // a no-break space
        ++i;
      } else if (byte >= 0x20 && byte != 0x7F) {
        if (!out.empty() && (line || space)) out += line ? '\n' : ' ';
        line = space = false;
        out += text_[i];
      }
    }
    return out;
  }

 private:
  void EndLine() {
    line_open_ = false;
    text_ += '\n';
  }

  std::string html_;
  std::string text_;
  bool line_open_ = false;  // text since the last block boundary or line break
  bool after_pre_ = false;  // the last thing written is <pre>
};

struct OutputDeleter {
  void operator()(GumboOutput* output) const {
    gumbo_destroy_output(&kGumboDefaultOptions, output);
  }
};

const GumboNode* BodyOf(const GumboOutput& output) {
  if (output.root == nullptr || output.root->type != GUMBO_NODE_ELEMENT) return nullptr;
  const GumboVector& children = output.root->v.element.children;
  for (unsigned int i = 0; i < children.length; ++i) {
    const auto* node = static_cast<const GumboNode*>(children.data[i]);
    if (node->type == GUMBO_NODE_ELEMENT && node->v.element.tag == GUMBO_TAG_BODY) return node;
  }
  return nullptr;
}

// The children of one element being written.
struct Frame {
  const GumboVector* children;
  unsigned int next;
  Context context;    // of the children
  GumboTag tag;       // the element, as written
  const char* close;  // its end tag when kept; nullptr when it gave way to its text
};

// Writes the body's content, without recursion: a deeply nested document cannot exhaust the
// stack.
void WriteBody(const GumboNode& body, Writer& writer) {
  std::vector<Frame> stack;
  stack.push_back({&body.v.element.children, 0, Context{}, GUMBO_TAG_BODY, nullptr});
  while (!stack.empty()) {
    Frame& frame = stack.back();
    if (frame.next == frame.children->length) {
      if (frame.close != nullptr) {
        writer.Close(frame.tag, frame.close);
      } else if (stack.size() > 1) {
        writer.Boundary(frame.tag);
      }
      stack.pop_back();
      continue;
    }
    const auto* node = static_cast<const GumboNode*>(frame.children->data[frame.next++]);
    const Context context = frame.context;  // `frame` moves when the stack grows
    switch (node->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
        // Inside a table's structure only whitespace can stand (the parser moves other text
        // before the table), and it means nothing there.
        if (!IsTableStructure(context.parent)) writer.Text(node->v.text.text);
        break;
      case GUMBO_NODE_ELEMENT: {
        const GumboElement& element = node->v.element;
        if (element.tag_namespace != GUMBO_NAMESPACE_HTML || IsDropped(element.tag)) break;
        const GumboTag tag = Written(element.tag);
        std::string href;
        switch (FateOf(tag, element, context, href)) {
          case Fate::kDrop:
            break;
          case Fate::kUnwrap:
            writer.Boundary(tag);
            stack.push_back({&element.children, 0, context, tag, nullptr});
            break;
          case Fate::kKeep: {
            if (tag == GUMBO_TAG_BR) {
              writer.Break();
              break;
            }
            const char* name = KeptName(tag);
            writer.Open(tag, name, AttributesOf(tag, element, href));
            if (tag == GUMBO_TAG_HR) break;  // void: no content, no end tag
            const Context inner{
                .parent = tag,
                .phrasing = context.phrasing || tag == GUMBO_TAG_P || IsHeading(tag),
                .link = context.link || tag == GUMBO_TAG_A,
                .depth = context.depth + 1};
            stack.push_back({&element.children, 0, inner, tag, name});
            break;
          }
        }
        break;
      }
      default:
        break;  // comments, CDATA (only in foreign content), templates' content
    }
  }
}

}  // namespace

absl::StatusOr<SanitizedArticle> SanitizeArticleHtml(absl::string_view html) {
  if (html.size() > kMaxArticleBytes) {
    return InvalidBody(absl::StrCat("is longer than ", kMaxArticleBytes, " bytes"));
  }
  if (text::Utf8Length(html) < 0) return InvalidBody("is not valid UTF-8");
  if (HasTooManyTags(html)) {
    return InvalidBody(absl::StrCat("has more than ", kMaxArticleTags, " tags"));
  }
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;  // the errors are not used: do not keep them
  const std::unique_ptr<GumboOutput, OutputDeleter> output(
      gumbo_parse_with_options(&options, html.data(), html.size()));
  if (output == nullptr) return InvalidBody("cannot be parsed");
  Writer writer;
  if (const GumboNode* body = BodyOf(*output); body != nullptr) WriteBody(*body, writer);
  // The parser drops whitespace before the body's first element or text, so written there it
  // would be gone on the next parse.
  std::string& written = writer.html();
  written.erase(0, written.find_first_not_of(" \t\n"));
  SanitizedArticle article{.html = std::move(writer.html()), .text = writer.PlainText()};
  if (article.html.size() > kMaxArticleBytes) {
    return InvalidBody(absl::StrCat("is longer than ", kMaxArticleBytes,
                                    " bytes once cleaned (links and escaped characters grow)"));
  }
  return article;
}

}  // namespace parta::content
