// Escaping untrusted text for terminals and JSON, and cutting long tokens in messages.
#include "common/untrusted_text.hpp"

#include <algorithm>
#include <cstdio>

namespace scalesweep {

namespace {

// One character of UTF-8: its code point and byte length, or length 0 where the bytes at `at`
// are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF included), which the
// callers then take one byte at a time.
struct utf8_char {
  char32_t code = 0;
  std::size_t length = 0;
};

utf8_char decode_utf8(std::string_view s, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    return {lead, 1};
  }
  std::size_t length = 0;
  char32_t code = 0;
  char32_t lowest = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F, lowest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F, lowest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07, lowest = 0x10000;
  } else {
    return {};
  }
  if (at + length > s.size()) {
    return {};
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return {};
    }
    code = (code << 6) | (byte(i) & 0x3F);
  }
  if (code < lowest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return {};
  }
  return {code, length};
}

// Characters a terminal or a reader would act on rather than show: C0 and C1 controls, DEL,
// the line and paragraph separators and the bidirectional embeddings, overrides and isolates
// (which can make a line read differently from what it holds).
bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

void append_hex(std::string& out, const char* format, unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, format, value);
  out += buf;
}

// The longest prefix of `s` of at most `limit` bytes that ends at a character boundary.
std::size_t prefix_at_boundary(std::string_view s, std::size_t limit) {
  std::size_t end = 0;
  while (end < s.size()) {
    const std::size_t length = std::max<std::size_t>(1, decode_utf8(s, end).length);
    if (end + length > limit) {
      break;
    }
    end += length;
  }
  return end;
}

} // namespace

std::string escape_for_terminal(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const utf8_char c = decode_utf8(text, i);
    if (c.length == 0) {
      append_hex(out, "\\x%02x", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (!is_control(c.code) || (keep_newlines && c.code == '\n')) {
      out.append(text.substr(i, c.length));
    } else if (c.code == '\n') {
      out += "\\n";
    } else if (c.code == '\r') {
      out += "\\r";
    } else if (c.code == '\t') {
      out += "\\t";
    } else if (c.code == 0x1B) {
      out += "\\e";
    } else if (c.code < 0x80) {
      append_hex(out, "\\x%02x", static_cast<unsigned>(c.code));
    } else {
      append_hex(out, "\\u{%04x}", static_cast<unsigned>(c.code));
    }
    i += c.length;
  }
  return out;
}

std::string escape_for_json(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const utf8_char c = decode_utf8(text, i);
    if (c.length == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    switch (c.code) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (is_control(c.code)) {
        append_hex(out, "\\u%04x", static_cast<unsigned>(c.code));
      } else {
        out.append(text.substr(i, c.length));
      }
    }
    i += c.length;
  }
  return out;
}

namespace {
std::string shown(std::string_view text, std::size_t limit, bool keep_newlines) {
  if (text.size() <= limit) {
    return escape_for_terminal(text, keep_newlines);
  }
  return escape_for_terminal(text.substr(0, prefix_at_boundary(text, limit)), keep_newlines) +
         "\u2026(" + std::to_string(text.size()) + " bytes)";
}
} // namespace

std::string shown_token(std::string_view text, std::size_t limit) {
  return shown(text, limit, false);
}

std::string shown_message(std::string_view text, std::size_t limit) {
  return shown(text, limit, true);
}

} // namespace scalesweep
