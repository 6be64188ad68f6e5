// ConfigFlags: the settings as options of a CLI11 App, for programs that
// build their own command line around them. claribi-server uses it through
// load_config(); claribi-admin, which has subcommands, uses it directly:
//
//   CLI::App app{"clariBI administration", "claribi-admin"};
//   claribi::ConfigFlags config_flags("claribi-admin");
//   static constexpr std::string_view kAdminFlags[] = {"data_dir"};
//   config_flags.add_to(app, kAdminFlags);     // --config, --data-dir
//   app.fallthrough();                         // before add_subcommand: lets
//                                              // `users list --data-dir X` work
//   app.require_subcommand(1);
//   CLI::App* users = app.add_subcommand("users", "Manage users");
//   ...
//   std::string message;
//   claribi::Config config;
//   auto outcome = claribi::parse_command_line(app, "claribi-admin", argc, argv, &message);
//   if (outcome == claribi::ConfigOutcome::kRun)
//     outcome = config_flags.finalize(claribi::Environment::from_process(), &config, &message);
//   if (outcome != claribi::ConfigOutcome::kRun) {
//     std::fputs(message.c_str(), outcome == claribi::ConfigOutcome::kExitOk ? stdout : stderr);
//     return claribi::exit_code(outcome);
//   }
//
// Only the listed keys get flags, but the config file and the CLARIBI_*
// environment still set every key, so the admin tool sees the server's
// configuration (data_dir, argon2 parameters, ...) from the same sources.
#pragma once

#include <deque>
#include <span>
#include <string>
#include <string_view>

#include "config/config.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace claribi {

struct Setting;

class ConfigFlags {
 public:
  explicit ConfigFlags(std::string_view program_name);
  ConfigFlags(const ConfigFlags&) = delete;
  ConfigFlags& operator=(const ConfigFlags&) = delete;

  // Adds --config and one flag per setting, grouped by TOML section, installs
  // the help layout (each flag with its environment variable and default) and
  // the help footer. The App keeps pointers into this object: it must outlive
  // the parse and finalize().
  void add_to(CLI::App& app);
  // Adds --config and flags for the listed keys only ({"data_dir"}). Every
  // key must be a row of the settings table (a wrong key aborts: it is a
  // programming error).
  void add_to(CLI::App& app, std::span<const std::string_view> keys);

  // After a successful parse: embedded defaults < config file < environment
  // < flags, then the checks that span keys (tls.cert_file with
  // tls.key_file, listen != plain_listen). kRun with *out filled, or
  // kExitError with one line in *message ("<program>: invalid value for ...").
  ConfigOutcome finalize(const Environment& env, Config* out, std::string* message) const;

 private:
  struct Slot {
    const Setting* setting;
    std::string value;
    CLI::Option* option;
  };
  void add_config_option(CLI::App& app);
  void add_setting(CLI::App& app, const Setting& setting);

  std::string program_;
  std::string config_path_;
  CLI::Option* config_option_ = nullptr;
  std::deque<Slot> slots_;  // a deque: CLI11 holds references to the values
};

// app.parse() with CLI11's exceptions caught. kRun; kExitOk for --help with
// the help text (of the subcommand asked about) in *message; kExitError with
// one line "<program>: <problem> (see --help)".
ConfigOutcome parse_command_line(CLI::App& app, std::string_view program_name, int argc, const char* const* argv,
                                 std::string* message);

}  // namespace claribi
