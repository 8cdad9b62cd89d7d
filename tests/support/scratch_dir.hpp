// A fresh directory for one test's files (status files, logs, sockets,
// reports), removed with everything in it when the test is done.
#pragma once

#include <filesystem>
#include <string>

namespace hearsay::test_support {

class ScratchDir {
 public:
  // Creates <temp>/hearsay-<prefix>-XXXXXX; throws std::runtime_error if it cannot.
  explicit ScratchDir(const std::string& prefix = "test");
  ~ScratchDir();  // removes it, ignoring errors
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The whole content of the file at `path` ("" if it cannot be read).
std::string read_text(const std::filesystem::path& path);

}  // namespace hearsay::test_support
