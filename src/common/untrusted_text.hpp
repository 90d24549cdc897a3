// Text that came from outside (a config, a result file, a flag, a file name) on its way to a
// terminal or into JSON: one escaping function per destination, so that no ESC/OSC sequence
// reaches a terminal raw, every JSON document stays valid UTF-8, and a huge token cannot flood
// stderr. Every writer of untrusted text goes through these.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace scalesweep {

// For a terminal: valid, printable UTF-8 is kept as it is; control characters (C0, DEL, C1),
// the characters that reorder or break lines (bidirectional overrides, U+2028/U+2029) and the
// bytes of invalid UTF-8 are written as escapes: \n \r \t \e, \xNN per byte, \u{XXXX} per
// character. With `keep_newlines`, '\n' stays a line break (for multi-line messages whose
// lines are each escaped already).
std::string escape_for_terminal(std::string_view text, bool keep_newlines = false);

// The body of a JSON string (without its quotes), valid whatever the bytes: '"' and '\\'
// escaped, control characters (C0, DEL, C1) and the line and direction controls above as
// \uXXXX, and each byte of invalid UTF-8 replaced by U+FFFD (JSON text must be Unicode).
std::string escape_for_json(std::string_view text);

// How an error message shows a token it echoes (a key, a value, a file name): escaped for the
// terminal and, beyond `limit` bytes, cut at a character boundary with "…(N bytes)" after it.
inline constexpr std::size_t shown_token_limit = 200;
std::string shown_token(std::string_view text, std::size_t limit = shown_token_limit);

// The last line of defence where a whole message is printed (`error: ...`, a hint, a warning):
// escaped for the terminal, its line breaks kept, and cut beyond `limit` bytes as shown_token
// cuts a token, whatever a message built from a token that was not cut holds.
inline constexpr std::size_t shown_message_limit = 8192;
std::string shown_message(std::string_view text, std::size_t limit = shown_message_limit);

} // namespace scalesweep
