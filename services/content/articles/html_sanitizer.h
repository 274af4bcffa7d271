#pragma once

// The HTML of articles, cleaned on the way in: parsed as a browser parses it (gumbo, the HTML5
// parsing algorithm) and written out again from an allow-list, so what is stored is plain,
// well-formed markup that every reader's browser builds into the same harmless tree.
//
// Kept: p, br, h2–h4 (h1 becomes h2, h5 and h6 h4), strong, b, em, i, u, s, sub, sup,
// blockquote, pre, code, ul, ol, li, a, table, thead, tbody (tfoot becomes tbody), tr, th, td and
// hr, without attributes except a link's href (http, https or mailto only; see IsAllowedHref)
// and a cell's colspan and rowspan (1–100). Every link gets rel="noopener noreferrer nofollow"
// and target="_blank". Dropped with all they contain: script, style, iframe, object, embed,
// applet, svg, math, template, noscript, noembed, noframes, textarea, select, title, xmp,
// comments, and anything outside HTML's namespace. Any other element (div, span, font, img, …)
// gives way to its text; where it was a block (div, section, dd, …) a line break keeps its text
// apart from its neighbours'.
//
// Where an element would not stay where it is when the output is parsed again (a list item
// outside a list, a block inside a paragraph or a heading, a link inside a link, a cell outside
// a row, elements nested more than 64 deep), it gives way to its text too, so cleaning is
// idempotent: cleaning what it wrote changes nothing.

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::content {

// The largest article body, in bytes, both as sent and once cleaned (so a stored body can
// always be sent back with a change).
inline constexpr size_t kMaxArticleBytes = 200'000;

// The most tags a body may hold, start and end tags together, counted before parsing as "<"
// followed by a letter or "/".
// gumbo has no limit of its own: it builds (and frees, recursively) a tree as deep as the tags
// nest, and some of its steps look through all open elements for each tag or character, so tens
// of thousands of nested tags cost a deep recursion and time that grows with their square: at
// 10,000 start tags the worst body took 2.5 s of CPU; at 4,000 tags in all the worst we found
// (4,000 nested <i> and text) takes 0.25 s.
// An article (a table of a hundred rows included) has fewer.
inline constexpr size_t kMaxArticleTags = 4'000;

struct SanitizedArticle {
  // The clean HTML (a fragment: no html, head or body elements).
  std::string html;
  // The article's text for search: its words with single spaces and, between blocks, single
  // line breaks; no markup.
  std::string text;
};

// Cleans an article's HTML. INVALID_ARGUMENT `INVALID_ARTICLE_BODY` for a body that is not
// valid UTF-8, is longer than kMaxArticleBytes as sent or once cleaned, or holds more than
// kMaxArticleTags tags.
absl::StatusOr<SanitizedArticle> SanitizeArticleHtml(absl::string_view html);

}  // namespace parta::content
