// What `trace-listen top` knows, kept from the event stream: the sockets
// listening now, and a bounded history of listeners that closed and of
// binds and listens that failed.  Plain data: no terminal and no locking
// (board_sink.hpp shares it between the reader and the screen).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "top/listener_row.hpp"

namespace tl::top {

// What the "came and went" list says about a socket.
enum class PastKind { Closed, BindFailed, ListenFailed };

struct PastRow {
    PastKind kind = PastKind::Closed;
    std::int64_t wall_ns = 0;            // when it closed or failed
    std::shared_ptr<const ListenerRow> socket;
    bool lifetime_known = false;
    std::uint64_t lifetime_ns = 0;
    bool short_lived = false;            // closed within short_lived_ns of listening
    std::string error;                   // EADDRINUSE, ...
    std::string holder;                  // EADDRINUSE: who holds the port (escaped)
};

enum class SortKey { Exposure, Protocol, Address, Port, Service, Process, Pid, User, Container, Age };
inline constexpr SortKey all_sort_keys[] = {SortKey::Exposure, SortKey::Protocol, SortKey::Address,
                                            SortKey::Port,     SortKey::Service,  SortKey::Process,
                                            SortKey::Pid,      SortKey::User,     SortKey::Container,
                                            SortKey::Age};
std::string_view sort_key_name(SortKey key);
SortKey next_sort_key(SortKey key);

// Typed by the person: matches a row whose process name, port or container
// contains it (case-insensitive).  Empty matches everything.
bool row_matches(const ListenerRow &row, std::string_view filter);

// Most exposed first (all interfaces, an address, loopback), then by port;
// or by `key`, with exposure and port breaking ties.  `reverse` flips `key`.
void sort_rows(std::vector<std::shared_ptr<const ListenerRow>> &rows, SortKey key, bool reverse);

struct BoardLimits {
    std::size_t listeners = 65536;        // sockets listening now
    std::size_t past = 500;               // came and went, newest kept
    std::uint64_t short_lived_ns = 1'000'000'000;
};

struct PolicyCounts {
    std::size_t expected = 0, unexpected = 0, forbidden = 0;
};

// A copy to draw from: taking it is cheap (rows are shared, never changed),
// so the lock the event reader also takes is held only for that.
struct BoardView {
    std::vector<std::shared_ptr<const ListenerRow>> listening;
    std::vector<std::shared_ptr<const PastRow>> past;           // newest first
    std::size_t listening_total = 0;                            // before any filter
    std::size_t past_total = 0;
    PolicyCounts policy;                                        // of all listening now
    std::uint64_t events = 0;                                   // events applied so far
    std::uint64_t not_kept = 0;                                 // listeners beyond the limit
};

// The rows of `all` that match `filter`, listeners sorted by `key`.
BoardView select(BoardView all, std::string_view filter, SortKey key, bool reverse);

class ListenerBoard {
public:
    explicit ListenerBoard(BoardLimits limits = {});

    // Takes one event into account.  Returns false when the socket could not
    // be kept (more listeners than the limit): the caller counts that loss.
    bool apply(const Event &event);
    // The same, for a row made beforehand (so the caller can build it outside a lock).
    bool apply(const Event &event, std::shared_ptr<ListenerRow> row);

    // Everything, unsorted: filter and sort it with select(), outside the lock.
    BoardView snapshot() const;

    // UDP has no close the kernel programs see: a bound UDP socket leaves the
    // board when its process is gone.  `udp_owners` lists them for a check
    // outside any lock; `forget` drops the rows of keys whose owner exited.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> udp_owners() const;
    void forget(const std::vector<std::uint64_t> &keys);

    std::size_t listening_count() const { return listening_.size(); }

private:
    void remember(std::shared_ptr<const PastRow> row);

    BoardLimits limits_;
    std::unordered_map<std::uint64_t, std::shared_ptr<const ListenerRow>> listening_;
    std::deque<std::shared_ptr<const PastRow>> past_; // newest first
    std::uint64_t events_ = 0;
    std::uint64_t not_kept_ = 0;
};

} // namespace tl::top
