#include "top/curses_screen.hpp"

#include <curses.h>
#include <langinfo.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tl::top {

namespace {

enum Pair : short { red = 1, yellow, cyan, magenta };

bool no_color_requested()
{
    const char *v = std::getenv("NO_COLOR");
    return v && *v;
}

} // namespace

CursesScreen::CursesScreen()
{
    const char *codeset = nl_langinfo(CODESET);
    utf8_ = codeset && std::strcmp(codeset, "UTF-8") == 0;
    // newterm, unlike initscr, returns an error instead of exiting.
    SCREEN *s = newterm(nullptr, stdout, stdin);
    if (!s) {
        const char *term = std::getenv("TERM");
        throw std::runtime_error(std::string("cannot use the terminal (TERM=") +
                                 (term ? term : "unset") +
                                 "): set TERM to a known terminal type, e.g. xterm-256color");
    }
    screen_ = s;
    cbreak();            // keys at once; Ctrl-C still signals
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);    // Esc answers at once, not after a second
    curs_set(0);
    if (!no_color_requested() && has_colors()) {
        start_color();
        use_default_colors();
        init_pair(red, COLOR_RED, -1);
        init_pair(yellow, COLOR_YELLOW, -1);
        init_pair(cyan, COLOR_CYAN, -1);
        init_pair(magenta, COLOR_MAGENTA, -1);
        colors_ = true;
    }
}

CursesScreen::~CursesScreen()
{
    endwin();
    delscreen(static_cast<SCREEN *>(screen_));
    std::fflush(stdout);
}

int CursesScreen::read_key(int timeout_ms)
{
    timeout(timeout_ms);
    int ch = getch();
    switch (ch) {
    case ERR: return no_key;
    case KEY_RESIZE: return resized;
    case KEY_UP: return key::up;
    case KEY_DOWN: return key::down;
    case KEY_PPAGE: return key::page_up;
    case KEY_NPAGE: return key::page_down;
    case KEY_HOME: return key::home;
    case KEY_END: return key::end;
    case KEY_ENTER:
    case '\r': return key::enter;
    case KEY_BACKSPACE:
    case 8: return key::backspace;
    default: return ch >= KEY_MIN ? no_key : ch;
    }
}

int CursesScreen::attribute(Style style) const
{
    auto color = [this](short pair) { return colors_ ? COLOR_PAIR(pair) : 0; };
    switch (style) {
    case Style::Normal: return A_NORMAL;
    case Style::Title: return A_BOLD | color(cyan);
    case Style::ColumnHeader: return A_BOLD | A_UNDERLINE;
    case Style::Selected: return A_REVERSE;
    case Style::AllInterfaces: return A_BOLD | A_UNDERLINE;
    // Without colours (NO_COLOR) attributes alone keep these rows apart.
    case Style::Forbidden: return A_BOLD | (colors_ ? color(red) : A_UNDERLINE);
    case Style::Unexpected: return colors_ ? color(yellow) : A_UNDERLINE;
    case Style::Failed: return colors_ ? color(red) : A_DIM;
    case Style::ShortLived: return colors_ ? color(magenta) : A_DIM;
    case Style::Alert: return A_BOLD | color(red);
    case Style::Keys: return A_REVERSE;
    }
    return A_NORMAL;
}

void CursesScreen::draw(const std::vector<ScreenLine> &lines)
{
    erase();
    int rows = height();
    for (int y = 0; y < rows && y < static_cast<int>(lines.size()); ++y) {
        move(y, 0);
        for (const Span &span : lines[static_cast<std::size_t>(y)]) {
            attrset(attribute(span.style));
            // The bottom-right cell cannot be written without scrolling:
            // curses reports it, the character is still shown.
            addstr(span.text.c_str());
        }
    }
    attrset(A_NORMAL);
    refresh();
}

int CursesScreen::width() const { return COLS; }
int CursesScreen::height() const { return LINES; }

} // namespace tl::top
