// Passwords for `bootstrap`, `users create` and `users reset-password` that
// never appear in the process's argv (where `ps` shows them to every user):
//   --password-stdin   the first line of standard input (scripts, CI, make run)
//   (neither flag)     asked on the terminal, twice, without echo, when
//                      standard input is one
// --password PASSWORD still works for tests and throwaway data. The password
// is handed to the commands as `--password` in the argument list they get in
// memory (or over the 0600 admin socket), not on a command line.
#pragma once

#include <string>
#include <vector>

namespace claribi::admin {

// Rewrites args (the command line after the global options) so that a
// command that takes a password has `--password VALUE`; true when nothing
// was needed or it was found, false with *error when it could not be read.
bool take_password(std::vector<std::string>* args, std::string* error);

}  // namespace claribi::admin
