// How configuration values are shown: inside an error line, and with the
// password of a URL hidden.
#pragma once

#include <string>
#include <string_view>

namespace claribi {

// The value in double quotes, with quotes, backslashes and control characters
// escaped and anything past 80 bytes cut ("..."), so an error stays one line.
std::string quote_value(std::string_view text);

// A scheme://user:password@host... URL (reports.smtp_url, rate_limits.redis_url)
// with its password replaced by "***", the user kept; other text as it is.
std::string mask_url_password(std::string_view url);

}  // namespace claribi
