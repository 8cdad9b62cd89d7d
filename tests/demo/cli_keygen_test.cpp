// `hearsay keygen`: a fresh CurveZMQ key pair in the key file format.
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hearsay/keys.hpp"
#include "tests/demo/cli_test_support.hpp"

namespace hearsay::cli_test {
namespace {

using nlohmann::json;

TEST(CliKeygen, PrintsAKeyFileWithTwoZ85Keys) {
  const RunResult r = run_cli({"keygen"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const json keys = json::parse(r.out);
  ASSERT_TRUE(keys.is_object());
  EXPECT_EQ(keys.size(), 2U);
  const std::string pub = keys.at("public_key");
  const std::string sec = keys.at("secret_key");
  EXPECT_TRUE(is_z85_key(pub)) << pub;
  EXPECT_TRUE(is_z85_key(sec)) << sec;
  EXPECT_NE(pub, sec);
  // Fresh every time.
  EXPECT_NE(json::parse(run_cli({"keygen"}).out).at("public_key"), pub);
}

TEST(CliKeygen, OutWritesAPrivateFileAndRefusesToOverwrite) {
  const std::string path =
      ::testing::TempDir() + "hearsay-cli-keygen-" + std::to_string(::getpid()) + ".key";
  std::remove(path.c_str());
  const RunResult first = run_cli({"keygen", "--out", path, "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const json printed = json::parse(first.out);
  EXPECT_EQ(printed.at("file"), path);
  EXPECT_FALSE(printed.contains("secret_key"));  // the secret stays in the file
  const std::string content = read_text(path);
  const json keys = json::parse(content);
  EXPECT_EQ(keys.at("public_key"), printed.at("public_key"));
  EXPECT_TRUE(is_z85_key(keys.at("secret_key")));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);

  const RunResult again = run_cli({"keygen", "--out", path});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(again.err, "hearsay: error: " + path + " already exists (--force overwrites it)\n");
  EXPECT_EQ(read_text(path), content);

  const RunResult forced = run_cli({"keygen", "--out", path, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(read_text(path), content);
  EXPECT_TRUE(is_z85_key(json::parse(read_text(path)).at("public_key")));
  std::remove(path.c_str());
}

TEST(CliKeygen, UnwritablePathIsOneLineExitOne) {
  const RunResult r = run_cli({"keygen", "--out", "/nonexistent-dir/x.key"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "hearsay: error: cannot write /nonexistent-dir/x.key: No such file or directory\n");
}

}  // namespace
}  // namespace hearsay::cli_test
