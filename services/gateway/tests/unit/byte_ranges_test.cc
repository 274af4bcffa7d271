// Range headers against a file of known size, and the multipart layout of several ranges.

#include "services/gateway/files/byte_ranges.h"

#include <catch2/catch.hpp>

#include "services/gateway/files/multipart_ranges.h"

namespace parta::gateway {
namespace {

using Kind = RangeRequest::Kind;

std::vector<ByteRange> RangesOf(absl::string_view header, uint64_t size) {
  RangeRequest request = ParseRange(header, size);
  REQUIRE(request.kind == Kind::kRanges);
  return request.ranges;
}

TEST_CASE("a closed range is served as asked, its end clamped to the file", "[files][ranges]") {
  CHECK(RangesOf("bytes=0-99", 1000) == std::vector<ByteRange>{{0, 99}});
  CHECK(RangesOf("bytes=500-5000", 1000) == std::vector<ByteRange>{{500, 999}});
  CHECK(RangesOf("BYTES = 1-1", 10) == std::vector<ByteRange>{{1, 1}});
  CHECK(RangesOf("bytes=999-999", 1000).front().length() == 1);
}

TEST_CASE("an open range runs to the end of the file", "[files][ranges]") {
  CHECK(RangesOf("bytes=900-", 1000) == std::vector<ByteRange>{{900, 999}});
  CHECK(RangesOf("bytes=0-", 1) == std::vector<ByteRange>{{0, 0}});
}

TEST_CASE("a suffix range is the last bytes, all of them when it is longer", "[files][ranges]") {
  CHECK(RangesOf("bytes=-100", 1000) == std::vector<ByteRange>{{900, 999}});
  CHECK(RangesOf("bytes=-5000", 1000) == std::vector<ByteRange>{{0, 999}});
}

TEST_CASE("several ranges come back sorted, overlapping and adjacent ones merged",
          "[files][ranges]") {
  CHECK(RangesOf("bytes=500-599, 0-99", 1000) == std::vector<ByteRange>{{0, 99}, {500, 599}});
  CHECK(RangesOf("bytes=0-99,50-149,150-199", 1000) == std::vector<ByteRange>{{0, 199}});
  CHECK(RangesOf("bytes=0-0,-1", 10) == std::vector<ByteRange>{{0, 0}, {9, 9}});
  // The whole file asked many times is sent once.
  CHECK(RangesOf("bytes=0-,0-,0-,0-", 10) == std::vector<ByteRange>{{0, 9}});
  // Empty list elements are allowed by the list syntax.
  CHECK(RangesOf("bytes=,0-1,,", 10) == std::vector<ByteRange>{{0, 1}});
}

TEST_CASE("ranges that miss the file are dropped, none left is unsatisfiable", "[files][ranges]") {
  CHECK(RangesOf("bytes=0-9,2000-3000", 1000) == std::vector<ByteRange>{{0, 9}});
  CHECK(ParseRange("bytes=1000-", 1000).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=5000-6000", 1000).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=-0", 1000).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=0-", 0).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=-10", 0).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=99999999999999999999999-", 1000).kind == Kind::kUnsatisfiable);
}

TEST_CASE("a Range header that does not parse is ignored: the whole file", "[files][ranges]") {
  for (const char* garbage :
       {"", "bytes", "bytes=", "items=0-1", "bytes=abc", "bytes=5-1", "bytes=1-2-3", "bytes=--1",
        "bytes=0-1,x", "bytes=+1-2", "bytes=0x10-20", "bytes 0-1"}) {
    INFO(garbage);
    CHECK(ParseRange(garbage, 1000).kind == Kind::kWhole);
  }
}

TEST_CASE("more than 16 ranges are ignored rather than refused", "[files][ranges]") {
  std::string many = "bytes=0-0";
  for (int i = 1; i < 16; ++i) many += "," + std::to_string(i * 2) + "-" + std::to_string(i * 2);
  CHECK(RangesOf(many, 1000).size() == 16);
  many += ",100-100";
  CHECK(ParseRange(many, 1000).kind == Kind::kWhole);
}

TEST_CASE("a multipart layout knows its exact length before any byte is read", "[files][ranges]") {
  const std::vector<ByteRange> ranges = {{0, 3}, {10, 11}};
  const MultipartLayout layout = LayoutMultipart(ranges, 20, "text/plain", "B0UND");
  CHECK(layout.content_type == "multipart/byteranges; boundary=B0UND");
  REQUIRE(layout.part_heads.size() == 2);
  CHECK(layout.part_heads[0] ==
        "--B0UND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-3/20\r\n\r\n");
  CHECK(layout.part_heads[1] ==
        "\r\n--B0UND\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-11/20\r\n\r\n");
  CHECK(layout.closing == "\r\n--B0UND--\r\n");
  const std::string body =
      layout.part_heads[0] + "abcd" + layout.part_heads[1] + "kl" + layout.closing;
  CHECK(layout.content_length == body.size());
}

}  // namespace
}  // namespace parta::gateway
