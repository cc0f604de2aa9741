// The terminal for `trace-listen top`, through ncurses: owns curses mode
// from construction to destruction (RAII: the terminal is given back as it
// was, whatever path leaves the scope).  Draws the lines TopView made and
// reads keys.  One thread at a time may use it.
#pragma once

#include <string>
#include <vector>

#include "top/top_view.hpp"

namespace tl::top {

class CursesScreen {
public:
    // Throws std::runtime_error saying why when the terminal cannot be used
    // (unknown TERM, ...).  Colours unless NO_COLOR is set (no-color.org).
    CursesScreen();
    ~CursesScreen();
    CursesScreen(const CursesScreen &) = delete;
    CursesScreen &operator=(const CursesScreen &) = delete;

    static constexpr int no_key = -1;
    static constexpr int resized = -2; // the window changed size: draw again

    // Waits up to timeout_ms (0: does not wait) for a key, as a top::key
    // value or a character (UTF-8 bytes one at a time).
    int read_key(int timeout_ms);
    void draw(const std::vector<ScreenLine> &lines);
    int width() const;
    int height() const;
    bool utf8() const { return utf8_; }

private:
    int attribute(Style style) const;
    void *screen_ = nullptr; // SCREEN*
    bool colors_ = false;
    bool utf8_ = false;
};

} // namespace tl::top
