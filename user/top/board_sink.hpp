// The board between two threads: the event reader writes into it as a sink
// of the trace session, the screen takes snapshots to draw.  The lock is held
// only to insert one row or to copy row pointers, so drawing never holds up
// the ring-buffer consumer.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "pipeline/sink.hpp"
#include "top/listener_board.hpp"

namespace tl::top {

class SharedBoard {
public:
    explicit SharedBoard(BoardLimits limits = {}) : board_(limits) {}
    // Builds the row before taking the lock.  False: not kept (see ListenerBoard::apply).
    bool apply(const Event &event);
    BoardView snapshot() const;
    // Drops bound UDP sockets whose process `alive` says is gone; `alive` runs
    // outside the lock (it reads /proc).
    void forget_exited_udp(const std::function<bool(std::uint32_t pid)> &alive);

private:
    mutable std::mutex mutex_;
    ListenerBoard board_;
};

// The trace session's sink that feeds the board.  Listeners beyond the
// board's limit count as this sink's drops (and so in "sinks" drops).
class BoardSink final : public Sink {
public:
    explicit BoardSink(SharedBoard &board) : board_(board) {}
    void write(const Event &event) override;
    void write(const DropReport &) override {} // the header shows the session's counters
    void flush() override {}
    SinkStats stats() const override { return stats_; }
    std::string name() const override { return "top"; }

private:
    SharedBoard &board_;
    SinkStats stats_;
};

} // namespace tl::top
