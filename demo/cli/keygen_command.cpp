#include "demo/cli/keygen_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "demo/common/errors.hpp"

namespace hearsay::tools {

using nlohmann::json;

json key_file_json(const KeyPair& keys) {
  return json{{"public_key", keys.public_key}, {"secret_key", keys.secret_key}};
}

void write_secret_file(const std::string& path, const std::string& text, bool overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    if (errno == EEXIST) throw UsageError(path + " already exists (--force overwrites it)");
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
  // An existing file keeps its mode on O_TRUNC; a secret key must not stay
  // readable by others.
  int err = ::fchmod(fd, 0600) == 0 ? 0 : errno;
  std::size_t written = 0;
  while (err == 0 && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(err));
}

namespace {

struct KeygenOptions {
  std::string out;
  bool force = false;
  bool json = false;
};

void run_keygen(const KeygenOptions& opts) {
  const KeyPair keys = generate_keys();
  const std::string file_text = key_file_json(keys).dump(2) + "\n";
  if (opts.out.empty()) {
    std::cout << file_text;
    return;
  }
  write_secret_file(opts.out, file_text, opts.force);
  // The public half is what other nodes list in --allowed-key; the secret
  // stays in the file.
  if (opts.json)
    std::cout << json{{"file", opts.out}, {"public_key", keys.public_key}}.dump(2) << '\n';
  else
    std::cout << "wrote " << opts.out << " (mode 0600)\npublic key: " << keys.public_key << '\n';
}

}  // namespace

void add_keygen_command(CLI::App& app) {
  auto opts = std::make_shared<KeygenOptions>();
  CLI::App* sub =
      app.add_subcommand("keygen", "generate a CurveZMQ key pair for --cluster-key / --node-key");
  sub->add_option("--out", opts->out, "write the key file here (mode 0600) instead of stdout");
  sub->add_flag("--force", opts->force, "overwrite an existing --out file");
  sub->add_flag("--json", opts->json,
                "with --out, print {\"file\", \"public_key\"} instead of text");
  sub->callback([opts] { run_keygen(*opts); });
}

}  // namespace hearsay::tools
