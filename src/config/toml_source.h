// The config-file source: applies a TOML document to a Config, key by key,
// through the settings table. Internal to src/config (the loader and tests).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace claribi {

// Applies TOML text to *config. source_path names the file in messages.
// Returns "" on success, else one line without the program name, e.g.
//   invalid value for listen (from /etc/claribi.toml line 3): "abc" is not host:port
//   unknown key tls.cert (in /etc/claribi.toml line 7; did you mean tls.cert_file?)
//   cannot parse config file /etc/claribi.toml (line 4, column 9): ...
// When several things are wrong, the one nearest the top of the file is told.
// keys_set, when given, receives the dotted key of every setting the file set.
std::string apply_toml_text(std::string_view text, std::string_view source_path, Config* config,
                            std::vector<std::string>* keys_set = nullptr);

// Reads the file, then apply_toml_text(). named_by ("--config",
// "CLARIBI_CONFIG") says where the path came from, for a file that cannot be read.
std::string apply_toml_file(const std::string& path, std::string_view named_by, Config* config,
                            std::vector<std::string>* keys_set = nullptr);

}  // namespace claribi
