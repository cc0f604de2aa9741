// Text in terminal columns: an escaped name may hold wide (CJK, emoji) or
// zero-width characters, so bytes are not columns.  Widths follow wcwidth()
// of the current locale for each UTF-8 character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tl::top {

std::size_t display_width(std::string_view utf8);

// Exactly `width` columns: cut on a character boundary with a "~" marking
// the cut (as the table output does), padded with spaces on the right, or
// on the left when `right_align`.
std::string fit(std::string_view utf8, std::size_t width, bool right_align = false);

// Cut into pieces of at most `width` columns (hard breaks: command lines
// have no good places to break).  At least one piece, maybe empty.
std::vector<std::string> wrap(std::string_view utf8, std::size_t width);

// For a terminal whose locale is not UTF-8: every byte >= 0x80 as \xNN.
std::string ascii_only(std::string_view text);

} // namespace tl::top
