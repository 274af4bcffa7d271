#pragma once

// The emulator's command line:
//   parta-esia-emulator --listen 127.0.0.1:PORT [--port-file FILE] --client-id ID
//       --client-certificate CERT.pem --redirect-uri URI [--redirect-uri URI2 ...]
//       --signing-key KEY.pem [--issuer ISSUER]
// Each flag is written "--name value" or "--name=value".

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parta::esia_emulator {

struct Settings {
  std::string listen_host;  // an IP address
  int listen_port = 0;      // 0: any free port
  std::string port_file;    // "" when not asked for
  std::string client_id;
  std::string client_certificate_path;
  std::vector<std::string> redirect_uris;
  std::string signing_key_path;
  std::string issuer;
};

// The settings of `args` (the arguments after the program name). INVALID_ARGUMENT (BAD_FLAGS)
// with a one-line message for an unknown flag, a flag without a value, a repeated flag other than
// --redirect-uri, a missing required flag, or a --listen that is not HOST:PORT.
absl::StatusOr<Settings> ParseSettings(const std::vector<std::string>& args);

// The usage text, for --help and errors.
extern const char kUsage[];

}  // namespace parta::esia_emulator
