// The screen of `trace-listen top` as text: what each key does and what each
// line shows, for a given terminal size.  No terminal calls here (the
// renderer, curses_screen, draws these lines), so all of it is unit-tested.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "top/listener_board.hpp"

namespace tl::top {

// How a piece of text is drawn; the renderer maps these to colours and
// attributes (only attributes with NO_COLOR).
enum class Style {
    Normal,
    Title,         // section titles
    ColumnHeader,
    Selected,      // the row Enter would open
    AllInterfaces, // the exposure cell of a listener reachable from anywhere
    Forbidden,     // a row the policy forbids
    Unexpected,    // a row no policy rule expects
    Failed,        // a failed bind or listen
    ShortLived,
    Alert,         // non-zero drop counts, warnings
    Keys,          // the bottom line
};

struct Span {
    std::string text;
    Style style = Style::Normal;
};
using ScreenLine = std::vector<Span>;

// Keys as the view understands them: printable characters as themselves,
// the others below.
namespace key {
inline constexpr int enter = '\n';
inline constexpr int escape = 27;
inline constexpr int backspace = 127;
inline constexpr int up = 0x110000; // past Unicode: cannot clash with a character
inline constexpr int down = up + 1;
inline constexpr int page_up = up + 2;
inline constexpr int page_down = up + 3;
inline constexpr int home = up + 4;
inline constexpr int end = up + 5;
} // namespace key

// What the header shows besides the board.
struct HeaderFacts {
    std::string hooks;           // bind/listen=... tcp-state=...
    double events_per_second = 0;
    std::uint64_t ringbuf_drops = 0;
    std::uint64_t sink_drops = 0;
    bool policy = false;         // --policy given: show verdict counts
    std::string notice;          // the last warning logged while on screen
};

class TopView {
public:
    // utf8: the terminal shows UTF-8; otherwise non-ASCII bytes appear as \xNN.
    explicit TopView(bool utf8 = true) : utf8_(utf8) {}

    void press(int key);
    bool quit() const { return quit_; }
    bool paused() const { return paused_; }

    // New data, unfiltered (ignored while paused: the screen stays as it was).
    void update(BoardView all);
    const BoardView &shown() const { return shown_; }

    std::vector<ScreenLine> render(const HeaderFacts &facts, int width, int height,
                                   std::int64_t now_wall_ns) const;

private:
    void reselect();
    void move_selection(long delta);
    std::size_t row_count() const { return shown_.listening.size() + shown_.past.size(); }
    const void *row_identity(std::size_t index) const;

    std::vector<ScreenLine> render_board(const HeaderFacts &facts, int width, int height,
                                         std::int64_t now_wall_ns) const;
    std::vector<std::string> detail_lines() const;
    std::string cell(std::string_view text, std::size_t width, bool right = false) const;

    bool utf8_;
    bool quit_ = false;
    bool paused_ = false;
    bool editing_filter_ = false;
    bool help_ = false;
    bool details_ = false;
    std::string filter_;
    SortKey sort_ = SortKey::Exposure;
    bool reverse_ = false;

    BoardView all_;    // latest data
    BoardView shown_;  // all_ filtered and sorted
    std::size_t selected_ = 0;
    const void *selected_identity_ = nullptr;
    std::shared_ptr<const ListenerRow> detail_row_;
    std::shared_ptr<const PastRow> detail_past_;
    std::size_t detail_scroll_ = 0;
};

// 50.2ms, 3.4s, 5m12s, 2h03m, 3d04h
std::string duration_text(std::uint64_t ns);

} // namespace tl::top
