// quote_value: how a configuration value is shown inside an error line.
#pragma once

#include <string>
#include <string_view>

namespace claribi {

// The value in double quotes, with quotes, backslashes and control characters
// escaped and anything past 80 bytes cut ("..."), so an error stays one line.
std::string quote_value(std::string_view text);

}  // namespace claribi
