// Files read or replaced by a command are regular files: a FIFO with no writer would block a
// reader forever, /dev/zero would feed it without end, and a result renamed over a device node
// or a socket would replace it for the whole machine. These checks say what the path is instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scalesweep {

// What `path` names when it exists and is not a regular file (symbolic links followed): "a
// directory", "a character device", "a block device", "a FIFO (named pipe)", "a socket"; empty
// when it is a regular file or does not exist.
std::optional<std::string> non_regular_kind(const std::string& path);

// Throws input_error unless `path` names a regular file ("<what> 'PATH' is a FIFO (named pipe),
// not a regular file"); `what` names its role ("config", "part 2").
void require_regular_file(const std::string& path, std::string_view what);

// The whole of a regular file of at most `max_bytes` bytes. Opened without blocking (a FIFO
// with no writer is refused, not waited on), checked to be a regular file before a byte is read,
// and read no further than `max_bytes` + 1 whatever it grows to meanwhile. Throws input_error
// naming `what`, the path and the limit.
std::string read_regular_file(const std::string& path, std::int64_t max_bytes,
                              std::string_view what);

} // namespace scalesweep
