// The command-line and environment sources, --help, and load_config().
#include "config/config_flags.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "config/settings.h"
#include "config/toml_source.h"

namespace claribi {
namespace {

constexpr std::string_view kGeneralGroup = "General settings";

// --help layout: the flag on its own line, then its description, its
// environment variable and its default indented below it. The descriptions
// are too long for CLI11's two-column layout.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    std::string out = "  " + make_option_name(opt, is_positional) + make_option_opts(opt) + "\n";
    std::string_view desc = opt->get_description();
    while (!desc.empty()) {
      size_t nl = desc.find('\n');
      out += "      ";
      out += desc.substr(0, nl);
      out += "\n";
      if (nl == std::string_view::npos) break;
      desc.remove_prefix(nl + 1);
    }
    return out;
  }
};

std::string group_of(const Setting& s) {
  std::string_view section = s.section();
  return section.empty() ? std::string(kGeneralGroup) : "[" + std::string(section) + "] settings";
}

std::string describe(const Setting& s) {
  std::string shown = render_setting(s, Config{});
  if (shown.empty()) shown = "(empty)";
  std::string desc = std::string(s.doc) + "\nenv " + s.env_name() + ", default " + shown;
  if (s.kind == SettingKind::kDuration) desc += " (seconds; 90s, 15m, 2h, 7d also accepted)";
  return desc;
}

const char* kFooter =
    "Every setting is also a key of the TOML config file (see config/claribi.toml and\n"
    "docs/configuration.md) and a CLARIBI_* environment variable, shown with its flag.\n"
    "Also read from the environment:\n"
    "  CLARIBI_CONFIG      config file to read, like --config\n"
    "  CLARIBI_JWT_SECRET  HS256 signing secret (at least 32 bytes); used instead of\n"
    "                      auth.jwt_secret_file; never printed\n"
    "Precedence: embedded defaults < config file < environment < flags.\n"
    "A bad value is reported on one line and the program exits with code 2.";

// CLI11 puts two blank lines between option groups; one reads better.
std::string tidy_help(std::string help) {
  size_t at;
  while ((at = help.find("\n\n\n")) != std::string::npos) help.erase(at, 1);
  return help;
}

}  // namespace

ConfigFlags::ConfigFlags(std::string_view program_name) : program_(program_name) {}

void ConfigFlags::add_config_option(CLI::App& app) {
  app.formatter(std::make_shared<HelpFormatter>());
  if (app.get_footer().empty()) app.footer(kFooter);
  config_option_ = app.add_option("--config", config_path_,
                                  "TOML config file to read; with neither this nor CLARIBI_CONFIG, no file is "
                                  "read\nenv CLARIBI_CONFIG");
  config_option_->option_text("PATH")->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void ConfigFlags::add_setting(CLI::App& app, const Setting& s) {
  Slot& slot = slots_.emplace_back(Slot{&s, std::string(), nullptr});
  const std::string name = s.flag_name();
  if (s.kind == SettingKind::kBool) {
    // `--pin-threads` alone is true; `--pin-threads=false` also works.
    slot.option = app.add_flag(name, slot.value, describe(s));
    slot.option->option_text("[=BOOL]");
  } else {
    slot.option = app.add_option(name, slot.value, describe(s));
    slot.option->option_text(std::string(s.value_name));
    slot.option->type_name(std::string(s.value_name));  // for CLI11's own errors
    const bool empty_is_a_value = s.kind == SettingKind::kString || s.kind == SettingKind::kStringList ||
                                  s.kind == SettingKind::kCidrList || s.allow_empty;
    // Lets `--plain-listen=` and `--plain-listen ""` clear a setting.
    if (empty_is_a_value) slot.option->expected(0, 1);
  }
  slot.option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  slot.option->group(group_of(s));
}

void ConfigFlags::add_to(CLI::App& app) {
  add_config_option(app);
  for (const Setting& s : all_settings()) add_setting(app, s);
}

void ConfigFlags::add_to(CLI::App& app, std::span<const std::string_view> keys) {
  add_config_option(app);
  for (std::string_view key : keys) {
    const Setting* s = find_setting(key);
    if (s == nullptr) {
      std::fprintf(stderr, "ConfigFlags::add_to: %.*s is not a setting\n", static_cast<int>(key.size()), key.data());
      std::abort();
    }
    add_setting(app, *s);
  }
}

ConfigOutcome ConfigFlags::finalize(const Environment& env, Config* out, std::string* message) const {
  auto fail = [&](const std::string& line) {
    *message = program_ + ": " + line;
    return ConfigOutcome::kExitError;
  };
  Config config;
  const std::span<const Setting> settings = all_settings();
  // Where each setting's value came from, for the checks that span keys.
  std::vector<std::string> source(settings.size(), "default");
  auto index_of = [&](std::string_view key) { return static_cast<size_t>(find_setting(key) - settings.data()); };

  // 1. The config file.
  std::string path;
  std::string named_by;
  if (config_option_ != nullptr && config_option_->count() > 0) {
    path = config_path_;  // `--config ""` reads no file, whatever CLARIBI_CONFIG says
    named_by = "--config";
  } else if (std::optional<std::string_view> p = env.get(kConfigFileEnv)) {
    path = std::string(*p);
    named_by = kConfigFileEnv;
  }
  if (!path.empty()) {
    std::vector<std::string> keys_set;
    std::string error = apply_toml_file(path, named_by, &config, &keys_set);
    if (!error.empty()) return fail(error);
    for (const std::string& key : keys_set) source[index_of(key)] = path;
    config.config_file = path;
  }

  // 2. The environment, 3. the flags.
  auto apply = [&](const Setting& s, std::string_view text, std::string from) -> bool {
    SettingValue value;
    std::string problem = parse_setting_text(s, text, &value);
    if (!problem.empty()) {
      fail("invalid value for " + std::string(s.key) + " (from " + from + "): " + problem);
      return false;
    }
    s.store(config, std::move(value));
    source[index_of(s.key)] = std::move(from);
    return true;
  };
  for (const Setting& s : settings) {
    std::string name = s.env_name();
    if (std::optional<std::string_view> v = env.get(name)) {
      if (!apply(s, *v, name)) return ConfigOutcome::kExitError;
    }
  }
  for (const Slot& slot : slots_) {
    if (slot.option->count() > 0 && !apply(*slot.setting, slot.value, slot.setting->flag_name())) {
      return ConfigOutcome::kExitError;
    }
  }

  // The secret: environment only, checked without ever echoing it.
  if (std::optional<std::string_view> secret = env.get(kJwtSecretEnv); secret && !secret->empty()) {
    if (secret->size() < kMinJwtSecretBytes) {
      return fail("invalid value for " + std::string(kJwtSecretEnv) + ": it is " + std::to_string(secret->size()) +
                  " bytes long, HS256 needs at least " + std::to_string(kMinJwtSecretBytes) + " (value not shown)");
    }
    config.jwt_secret_env = std::string(*secret);
  }

  // Checks that span keys.
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    const bool cert_set = !config.tls.cert_file.empty();
    std::string_view set_key = cert_set ? "tls.cert_file" : "tls.key_file";
    std::string_view missing_key = cert_set ? "tls.key_file" : "tls.cert_file";
    return fail("invalid value for " + std::string(missing_key) + ": it must be set together with " +
                std::string(set_key) + " (from " + source[index_of(set_key)] + ")");
  }
  if (!config.plain_listen.empty() && config.plain_listen == config.listen && config.listen.port != 0) {
    return fail("invalid value for plain_listen (from " + source[index_of("plain_listen")] + "): " +
                config.plain_listen.to_string() + " is also the HTTPS listen address (from " +
                source[index_of("listen")] + ")");
  }

  if (!config.metrics_listen.empty() && config.metrics_listen.port != 0) {
    for (std::string_view other : {"listen", "plain_listen"}) {
      const HostPort& o = other == "listen" ? config.listen : config.plain_listen;
      if (!o.empty() && o == config.metrics_listen) {
        return fail("invalid value for metrics_listen (from " + source[index_of("metrics_listen")] + "): " +
                    config.metrics_listen.to_string() + " is also the " + std::string(other) + " address (from " +
                    source[index_of(other)] + "); metrics are never served on an API port");
      }
    }
  }
  *out = std::move(config);
  return ConfigOutcome::kRun;
}

ConfigOutcome parse_command_line(CLI::App& app, std::string_view program_name, int argc, const char* const* argv,
                                 std::string* message) {
  try {
    app.parse(argc, argv);
    return ConfigOutcome::kRun;
  } catch (const CLI::CallForHelp&) {
    *message = tidy_help(app.help());
    return ConfigOutcome::kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    *message = tidy_help(app.help("", CLI::AppFormatMode::All));
    return ConfigOutcome::kExitOk;
  } catch (const CLI::CallForVersion& e) {
    *message = std::string(e.what()) + "\n";
    return ConfigOutcome::kExitOk;
  } catch (const CLI::ParseError& e) {
    std::string line = std::string(program_name) + ": " + e.what();
    for (char& c : line) {
      if (c == '\n') c = ' ';
    }
    *message = line + " (see --help)";
    return ConfigOutcome::kExitError;
  }
}

ConfigOutcome load_config(std::string_view program_name, int argc, const char* const* argv, const Environment& env,
                          Config* out, std::string* message) {
  CLI::App app{"clariBI API server: an HTTPS JSON API (TLS, HTTP/1.1, JWT and API keys, RocksDB).",
               std::string(program_name)};
  ConfigFlags flags(program_name);
  flags.add_to(app);
  bool check = false;
  app.add_flag("--check-config", check,
               "Check the configuration and exit (like nginx -t): read every source, open nothing for writing, "
               "print the effective settings with secrets masked; exit 0 when it would start, 2 when not");
  ConfigOutcome outcome = parse_command_line(app, program_name, argc, argv, message);
  if (outcome != ConfigOutcome::kRun) return outcome;
  outcome = flags.finalize(env, out, message);
  return outcome == ConfigOutcome::kRun && check ? ConfigOutcome::kCheck : outcome;
}

ConfigOutcome load_config_from_process(std::string_view program_name, int argc, const char* const* argv,
                                       Config* out, std::string* message) {
  return load_config(program_name, argc, argv, Environment::from_process(), out, message);
}

}  // namespace claribi
