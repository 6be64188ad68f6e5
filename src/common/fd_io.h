// Writing to a file descriptor: the one loop the server uses for files,
// pipes and logs (short writes continued, EINTR retried).
#pragma once

#include <string_view>

namespace claribi {

// Writes all of `data` to `fd`; false on an error (errno says which).
bool write_all(int fd, std::string_view data);

}  // namespace claribi
