#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "services/identity/domain/refresh_tokens.h"

namespace parta::identity {
namespace {

TEST_CASE("Refresh tokens are 256-bit, their successors deterministic per secret",
          "[identity][unit]") {
  RefreshTokenCodec codec(std::string(32, 'k'));
  RefreshTokenCodec other(std::string(32, 'x'));
  std::string token = codec.NewToken();
  CHECK(Base64UrlDecode(token)->size() == 32);
  CHECK(token != codec.NewToken());
  CHECK(codec.Successor(token) == codec.Successor(token));
  CHECK(codec.Successor(token) != token);
  CHECK(codec.Successor(token) != other.Successor(token));
  CHECK(RefreshTokenCodec::Hash(token).size() == 64);
  CHECK(RefreshTokenCodec::Hash(token) != RefreshTokenCodec::Hash(codec.Successor(token)));
}

}  // namespace
}  // namespace parta::identity
