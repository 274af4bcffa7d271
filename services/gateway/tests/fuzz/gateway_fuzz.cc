// libFuzzer target for the gateway's request path: route matching of arbitrary methods and
// paths, and the mapping of arbitrary bodies and query strings onto request messages. Any
// crash, sanitizer report or hang is a bug; errors are fine.
//
// Input: the first byte picks the part; the rest is split on the first '\n's:
//   0: <method>\n<path>            matched against every linked route
//   1: <path>\n<query>\n<body>     matched, then mapped onto the route's request message
//   2: <method> <target>\n<body>   a whole request as the server hands it over: the target
//                                  split at '?', matched, mapped, and printed back

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/gateway/linked_services.h"
#include "services/gateway/routing/route_table.h"
#include "services/gateway/transcoding/request_mapping.h"
#include "services/gateway/transcoding/response_mapping.h"

namespace {

const parta::gateway::RouteTable& Routes() {
  static const parta::gateway::RouteTable* routes = [] {
    auto built = parta::gateway::RouteTable::Build(parta::gateway::LinkedServices());
    if (!built.ok()) abort();
    return new parta::gateway::RouteTable(*std::move(built));
  }();
  return *routes;
}

absl::string_view TakeLine(absl::string_view& rest) {
  const size_t newline = rest.find('\n');
  absl::string_view line = rest.substr(0, newline);
  rest = newline == absl::string_view::npos ? absl::string_view() : rest.substr(newline + 1);
  return line;
}

// Maps a request through the route `method` and `path` find, if any.
void MapThrough(absl::string_view method, absl::string_view path, absl::string_view query,
                absl::string_view body) {
  parta::gateway::RouteTable::Match match = Routes().Find(method, path);
  if (match.route == nullptr) return;
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          match.route->method->input_type());
  std::unique_ptr<google::protobuf::Message> request(prototype->New());
  if (parta::gateway::MapRequest(*match.route, match.bindings, query, body, *request).ok()) {
    // Whatever was accepted must also print back as JSON.
    (void)parta::gateway::MapResponse(*match.route, *request).ok();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      const absl::string_view method = TakeLine(rest);
      Routes().Find(method, rest);
      return 0;
    }
    case 1: {
      const absl::string_view path = TakeLine(rest);
      const absl::string_view query = TakeLine(rest);
      for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
        MapThrough(method, path, query, rest);
      }
      return 0;
    }
    default: {
      absl::string_view line = TakeLine(rest);
      const size_t space = line.find(' ');
      const absl::string_view method = line.substr(0, space);
      const absl::string_view target =
          space == absl::string_view::npos ? absl::string_view() : line.substr(space + 1);
      const size_t mark = target.find('?');
      MapThrough(method, target.substr(0, mark),
                 mark == absl::string_view::npos ? absl::string_view() : target.substr(mark + 1),
                 rest);
      return 0;
    }
  }
}
