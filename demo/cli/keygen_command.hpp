// `hearsay keygen`: a CurveZMQ key pair in the key file format the agent's
// --cluster-key and --node-key read (docs/cli.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "hearsay/keys.hpp"

namespace hearsay::tools {

void add_keygen_command(CLI::App& app);

// {"public_key": "...", "secret_key": "..."}
nlohmann::json key_file_json(const KeyPair& keys);

// Writes `text` to `path` with mode 0600. Throws UsageError if the file
// exists and !overwrite, std::runtime_error (naming the path) on I/O errors.
void write_secret_file(const std::string& path, const std::string& text, bool overwrite);

}  // namespace hearsay::tools
