#include "password_input.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "server/admin_commands.h"

namespace claribi::admin {

namespace {

bool has_password_option(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(),
                     [](const std::string& a) { return a == "--password" || a.rfind("--password=", 0) == 0; });
}

// One line from the terminal with echo off; false if it cannot be read.
bool ask(int tty, const char* prompt, std::string* out) {
  (void)!::write(tty, prompt, std::char_traits<char>::length(prompt));
  termios saved{};
  const bool restore = ::tcgetattr(tty, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  out->clear();
  char c;
  bool got_line = false;
  while (::read(tty, &c, 1) == 1) {
    if (c == '\n') {
      got_line = true;
      break;
    }
    out->push_back(c);
  }
  if (restore) ::tcsetattr(tty, TCSAFLUSH, &saved);
  (void)!::write(tty, "\n", 1);
  if (!out->empty() && out->back() == '\r') out->pop_back();
  return got_line;
}

}  // namespace

bool take_password(std::vector<std::string>* args, std::string* error) {
  auto from_stdin = std::find(args->begin(), args->end(), "--password-stdin");
  if (from_stdin != args->end()) {
    args->erase(from_stdin);
    if (has_password_option(*args)) {
      *error = "give either --password or --password-stdin, not both";
      return false;
    }
    std::string line;
    if (!std::getline(std::cin, line)) {
      *error = "--password-stdin: nothing on standard input";
      return false;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    args->push_back("--password");
    args->push_back(line);
    return true;
  }
  if (!server::AdminCommands::takes_password(*args) || has_password_option(*args) || !::isatty(STDIN_FILENO))
    return true;
  if (std::find(args->begin(), args->end(), "--help") != args->end() ||
      std::find(args->begin(), args->end(), "-h") != args->end())
    return true;
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) return true;  // the command reports the missing --password
  std::string first, second;
  const bool read = ask(tty, "Password: ", &first) && ask(tty, "Password (again): ", &second);
  ::close(tty);
  if (!read) {
    *error = "no password given";
    return false;
  }
  if (first != second) {
    *error = "the two passwords differ";
    return false;
  }
  args->push_back("--password");
  args->push_back(first);
  return true;
}

}  // namespace claribi::admin
