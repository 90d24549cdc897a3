// Escaping untrusted text (terminal, JSON), cutting long tokens, and shell quoting. References:
// the escapes the header promises, written out by hand; for shell quoting, /bin/sh itself reads
// each quoted word back (the test fails if a word comes back different or runs anything).
#include "common/shell_quote.hpp"
#include "common/untrusted_text.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace scalesweep;

TEST(EscapeForTerminal, KeepsPrintableUtf8) {
  EXPECT_EQ(escape_for_terminal("r\xc3\xa9sultats 1e12 \xe2\x86\x92 ok"),
            "r\xc3\xa9sultats 1e12 \xe2\x86\x92 ok");
}

TEST(EscapeForTerminal, EscapesControlsAndInvalidBytes) {
  // An OSC sequence that would set the terminal's title, then a CSI that would clear it.
  EXPECT_EQ(escape_for_terminal("\x1b]0;pwned\x07 x\x1b[2J"), "\\e]0;pwned\\x07 x\\e[2J");
  EXPECT_EQ(escape_for_terminal("a\nb\tc\rd\x7f"), "a\\nb\\tc\\rd\\x7f");
  EXPECT_EQ(escape_for_terminal("a\nb", true), "a\nb");
  // C1 CSI (U+009B) in UTF-8, a right-to-left override, a lone continuation byte, 0xff.
  EXPECT_EQ(escape_for_terminal("\xc2\x9b"
                                "2J \xe2\x80\xae"
                                "x \x80 \xff"),
            "\\u{009b}2J \\u{202e}x \\x80 \\xff");
  // Overlong '/', a UTF-16 surrogate and a code point past U+10FFFF are invalid UTF-8.
  EXPECT_EQ(escape_for_terminal("\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80"),
            "\\xc0\\xaf \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80");
  EXPECT_EQ(escape_for_terminal(std::string("a\0b", 3)), "a\\x00b");
}

TEST(EscapeForJson, IsValidJsonForAnyBytes) {
  EXPECT_EQ(escape_for_json("say \"hi\" \\ \n"), "say \\\"hi\\\" \\\\ \\n");
  EXPECT_EQ(escape_for_json("\x1b]0;x\x07"), "\\u001b]0;x\\u0007");
  EXPECT_EQ(escape_for_json("\xc2\x9b \xe2\x80\xa8"), "\\u009b \\u2028");
  // Each byte of invalid UTF-8 becomes U+FFFD: JSON text must be Unicode.
  EXPECT_EQ(escape_for_json("a\xff\xfe"
                            "b\xe2\x82"),
            "a\\ufffd\\ufffdb\\ufffd\\ufffd");
  EXPECT_EQ(escape_for_json("r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x98\x80"),
            "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(ShownToken, CutsLongTokensAtACharacterBoundary) {
  EXPECT_EQ(shown_token("alpah"), "alpah");
  const std::string key(10'000'000, 'k'); // NOLINT(bugprone-string-constructor): 10 MB on purpose
  const std::string shown = shown_token(key);
  EXPECT_EQ(shown, std::string(200, 'k') + "\u2026(10000000 bytes)");
  // 'é' is two bytes: a cut after 3 bytes keeps "aé" whole, never half of it.
  EXPECT_EQ(shown_token("a\xc3\xa9\xc3\xa9\xc3\xa9", 4), "a\xc3\xa9\u2026(7 bytes)");
  EXPECT_EQ(shown_token("\x1b[2J", 200), "\\e[2J");
}

// What /bin/sh makes of a quoted word: its arguments printed NUL-separated. Run in a fresh
// directory so that a command substitution or `;` that slipped through leaves a file behind.
std::vector<std::string> read_back_by_sh(const std::string& quoted) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("shell_quote_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string script = "cd " + dir.string() + " && printf '%s\\0' " + quoted;
  const std::string command = "sh -c " + shell_quote(script);
  std::FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buf[256];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) {
    out.append(buf, n);
  }
  EXPECT_EQ(::pclose(pipe), 0) << command;
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "the quoted word ran something: " << quoted;
  std::filesystem::remove_all(dir);
  std::vector<std::string> words;
  for (std::size_t start = 0, end; (end = out.find('\0', start)) != std::string::npos;
       start = end + 1) {
    words.push_back(out.substr(start, end - start));
  }
  return words;
}

TEST(ShellQuote, ShellReadsEachWordBackUnchanged) {
  for (const std::string word : {"a;touch X;.toml", "o$(touch Y).h5", "my results/out file.h5",
                                 "it's", "`touch Z`", "back\\slash", "*.h5", "~/x", "a\"b", "=cmd",
                                 "", "-o", "new\nline", "$HOME", "r\xc3\xa9sultats.h5"}) {
    SCOPED_TRACE(word);
    const std::string quoted = shell_quote(word);
    if (quoted.rfind("$'", 0) == 0) {
      continue; // $'...' is not for dash (/bin/sh here); checked below with bash
    }
    EXPECT_EQ(read_back_by_sh(quoted), std::vector<std::string>{word});
  }
}

TEST(ShellQuote, PlainWordsStayPlain) {
  EXPECT_EQ(shell_quote("build/scalesweep"), "build/scalesweep");
  EXPECT_EQ(shell_quote("results/hw.part3-of-8.h5"), "results/hw.part3-of-8.h5");
  EXPECT_EQ(shell_quote("--shard"), "--shard");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_command({"scalesweep", "run", "my cfg.toml", "--resume"}),
            "scalesweep run 'my cfg.toml' --resume");
}

TEST(ShellQuote, ControlCharactersNeverReachTheTerminalRaw) {
  const std::string word = "o\x1b]0;x\x07'.h5";
  const std::string quoted = shell_quote(word);
  EXPECT_EQ(quoted, "$'o\\x1b]0;x\\x07\\'.h5'");
  EXPECT_EQ(escape_for_terminal(quoted), quoted);
  if (std::system("command -v bash >/dev/null 2>&1") == 0) {
    // bash reads $'...' back (as zsh, ksh and POSIX.1-2024 shells do).
    const std::string command = "bash -c " + shell_quote("printf %s " + quoted);
    std::FILE* pipe = ::popen(command.c_str(), "r");
    std::string out;
    char buf[256];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) {
      out.append(buf, n);
    }
    EXPECT_EQ(::pclose(pipe), 0);
    EXPECT_EQ(out, word);
  }
}

} // namespace
