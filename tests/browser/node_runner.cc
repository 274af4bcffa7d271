#include "tests/browser/node_runner.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace parta::testing {

int RunBrowserScript(const std::string& script, const std::vector<std::string>& args) {
  const std::string folder = PARTA_BROWSER_TESTS_DIR;
  if (!std::filesystem::exists(folder + "/node_modules/playwright-core")) {
    FAIL(
        "playwright-core is not installed: run 'npm ci' in tests/browser "
        "('tools/parta test' does)");
  }
  return RunNodeScript(folder + "/" + script, args);
}

int RunNodeScript(const std::string& script_path, const std::vector<std::string>& args) {
  std::vector<std::string> command = {PARTA_NODE, script_path};
  command.insert(command.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : command) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // Playwright closes Chromium on TERM
    execv(argv[0], argv.data());
    _exit(127);
  }
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace parta::testing
