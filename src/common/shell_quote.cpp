// POSIX shell quoting of the words of a printed command.
#include "common/shell_quote.hpp"

#include "common/untrusted_text.hpp"

#include <cstdio>

namespace scalesweep {

namespace {

bool needs_no_quotes(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
}

// $'...': every byte that is not printable ASCII as \xNN, so that the quoted word is plain
// ASCII on the terminal.
std::string dollar_quoted(std::string_view word) {
  std::string out = "$'";
  for (const char c : word) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "'";
}

} // namespace

std::string shell_quote(std::string_view word) {
  bool plain = !word.empty() && word.front() != '=';
  for (const char c : word) {
    plain = plain && needs_no_quotes(c);
  }
  if (plain) {
    return std::string(word);
  }
  if (escape_for_terminal(word) != word) {
    return dollar_quoted(word);
  }
  // Inside single quotes every byte is literal but the quote itself: close, escape it, reopen.
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string shell_command(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    out += (out.empty() ? "" : " ") + shell_quote(w);
  }
  return out;
}

} // namespace scalesweep
