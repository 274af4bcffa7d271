#include "tools/esia-emulator/settings.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/core/status.h"
#include "tools/esia-emulator/provider.h"

namespace parta::esia_emulator {

const char kUsage[] =
    "usage: parta-esia-emulator --listen 127.0.0.1:PORT [--port-file FILE] --client-id ID\n"
    "         --client-certificate CERT.pem --redirect-uri URI [--redirect-uri URI ...]\n"
    "         --signing-key KEY.pem [--issuer ISSUER]\n";

namespace {

absl::Status BadFlags(absl::string_view message) { return InvalidArgument("BAD_FLAGS", message); }

}  // namespace

absl::StatusOr<Settings> ParseSettings(const std::vector<std::string>& args) {
  absl::flat_hash_map<std::string, std::string> single;
  Settings settings;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (!absl::ConsumePrefix(&arg, "--"))
      return BadFlags(absl::StrCat("unexpected argument ", arg));
    std::string name(arg);
    std::string value;
    if (const size_t equals = arg.find('='); equals != absl::string_view::npos) {
      name = std::string(arg.substr(0, equals));
      value = std::string(arg.substr(equals + 1));
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return BadFlags(absl::StrCat("--", name, " needs a value"));
    }
    if (name == "redirect-uri") {
      settings.redirect_uris.push_back(value);
      continue;
    }
    if (name != "listen" && name != "port-file" && name != "client-id" &&
        name != "client-certificate" && name != "signing-key" && name != "issuer") {
      return BadFlags(absl::StrCat("unknown flag --", name));
    }
    if (!single.emplace(name, value).second) {
      return BadFlags(absl::StrCat("--", name, " is given twice"));
    }
  }

  for (const char* required : {"listen", "client-id", "client-certificate", "signing-key"}) {
    if (!single.contains(required) || single[required].empty()) {
      return BadFlags(absl::StrCat("--", required, " is required"));
    }
  }
  if (settings.redirect_uris.empty()) return BadFlags("at least one --redirect-uri is required");
  for (const std::string& uri : settings.redirect_uris) {
    if (uri.empty()) return BadFlags("--redirect-uri must not be empty");
  }

  const std::string& listen = single["listen"];
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &settings.listen_port) ||
      settings.listen_port < 0 || settings.listen_port > 65535) {
    return BadFlags(absl::StrCat("--listen must be HOST:PORT, not ", listen));
  }
  settings.listen_host = listen.substr(0, colon);
  if (settings.listen_host.size() > 2 && settings.listen_host.front() == '[' &&
      settings.listen_host.back() == ']') {
    settings.listen_host = settings.listen_host.substr(1, settings.listen_host.size() - 2);
  }
  settings.port_file = single["port-file"];
  settings.client_id = single["client-id"];
  settings.client_certificate_path = single["client-certificate"];
  settings.signing_key_path = single["signing-key"];
  settings.issuer = single.contains("issuer") ? single["issuer"] : std::string(kDefaultIssuer);
  if (settings.issuer.empty()) return BadFlags("--issuer must not be empty");
  return settings;
}

}  // namespace parta::esia_emulator
