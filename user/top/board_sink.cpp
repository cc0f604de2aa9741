#include "top/board_sink.hpp"

namespace tl::top {

bool SharedBoard::apply(const Event &event)
{
    if (event.kind == EventKind::StateChange)
        return true;
    auto row = row_from_event(event);
    std::lock_guard lock(mutex_);
    return board_.apply(event, std::move(row));
}

BoardView SharedBoard::snapshot() const
{
    std::lock_guard lock(mutex_);
    return board_.snapshot();
}

void SharedBoard::forget_exited_udp(const std::function<bool(std::uint32_t)> &alive)
{
    std::vector<std::pair<std::uint64_t, std::uint32_t>> owners;
    {
        std::lock_guard lock(mutex_);
        owners = board_.udp_owners();
    }
    std::vector<std::uint64_t> gone;
    for (auto [key, pid] : owners)
        if (!alive(pid))
            gone.push_back(key);
    if (gone.empty())
        return;
    std::lock_guard lock(mutex_);
    board_.forget(gone);
}

void BoardSink::write(const Event &event)
{
    if (board_.apply(event))
        ++stats_.written;
    else
        ++stats_.dropped;
}

} // namespace tl::top
