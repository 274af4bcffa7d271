#pragma once

// Runs a node script (of tests/browser, or any) as a child process whose output lands in the
// test's log, and fails the test clearly when the npm packages are not installed.

#include <string>
#include <vector>

namespace parta::testing {

// The script's exit code (128 + signal when killed). The child gets TERM if the test dies.
int RunBrowserScript(const std::string& script, const std::vector<std::string>& args);

// Any node script (its full path) the same way.
int RunNodeScript(const std::string& script_path, const std::vector<std::string>& args);

// The whole of a text file ("" when it cannot be read), for a test's failure message.
std::string ReadTextFile(const std::string& path);

}  // namespace parta::testing
