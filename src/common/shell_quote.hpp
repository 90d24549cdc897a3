// Commands printed for the user to paste (resume hints, the recorded command line): each word
// quoted by POSIX shell rules, so that a file name with spaces, quotes, `;` or `$(...)` is passed
// as that one word and runs nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scalesweep {

// The word as a shell reads it back: unchanged when it holds only characters no shell treats
// specially (letters, digits and @%+=:,./_-, and no '=' first, which zsh expands); else in single
// quotes, with each ' written as '\''. A word with characters that must not reach a terminal
// raw (escape_for_terminal would change it: control characters, invalid UTF-8) is written as
// $'...' with \xNN escapes instead, which bash, zsh, ksh and POSIX.1-2024 shells read back
// (dash before 0.5.13 does not). The empty word is ''.
std::string shell_quote(std::string_view word);

// The words quoted and joined by spaces: a command line to paste.
std::string shell_command(const std::vector<std::string>& words);

} // namespace scalesweep
