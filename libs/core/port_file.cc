#include "libs/core/port_file.h"

#include <cstdio>
#include <fstream>

namespace parta {

void WritePortFile(const std::string& path, int port) {
  const std::string temporary = path + ".tmp";
  std::ofstream(temporary) << port << "\n";
  std::rename(temporary.c_str(), path.c_str());
}

}  // namespace parta
