// Replays the committed fuzz corpus through the fuzz target in the normal build, so every CI
// run checks that no input once found interesting crashes or misbehaves.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

TEST_CASE("every fuzz corpus input runs cleanly", "[fuzz]") {
  size_t inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(PARTA_FUZZ_CORPUS_DIR)) {
    std::ifstream file(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    const std::string input = bytes.str();
    INFO(entry.path());
    CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size()) ==
          0);
    ++inputs;
  }
  CHECK(inputs >= 10);
}
