#include "top/listener_board.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <tuple>

#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"

namespace tl::top {

namespace {

// Most exposed first.
int exposure_rank(Exposure e)
{
    switch (e) {
    case Exposure::AllInterfaces: return 0;
    case Exposure::Address: return 1;
    case Exposure::Loopback: return 2;
    }
    return 3;
}

bool contains_nocase(std::string_view text, std::string_view needle)
{
    auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                          [](char a, char b) {
                              return std::tolower(static_cast<unsigned char>(a)) ==
                                     std::tolower(static_cast<unsigned char>(b));
                          });
    return it != text.end();
}

// -1, 0, 1 by `key` alone.
int compare_by(const ListenerRow &a, const ListenerRow &b, SortKey key)
{
    auto cmp = [](const auto &x, const auto &y) { return x < y ? -1 : y < x ? 1 : 0; };
    switch (key) {
    case SortKey::Exposure: return cmp(exposure_rank(a.exposure), exposure_rank(b.exposure));
    case SortKey::Protocol: return cmp(a.protocol, b.protocol);
    case SortKey::Address: return cmp(a.address, b.address);
    case SortKey::Port: return cmp(a.port, b.port);
    case SortKey::Service: return cmp(a.service, b.service);
    case SortKey::Process: return cmp(a.process, b.process);
    case SortKey::Pid: return cmp(a.pid, b.pid);
    case SortKey::User: return cmp(a.user, b.user);
    case SortKey::Container: return cmp(a.container, b.container);
    case SortKey::Age: return cmp(b.since_wall_ns, a.since_wall_ns); // youngest first
    }
    return 0;
}

} // namespace

std::string_view sort_key_name(SortKey key)
{
    switch (key) {
    case SortKey::Exposure: return "exposure";
    case SortKey::Protocol: return "protocol";
    case SortKey::Address: return "address";
    case SortKey::Port: return "port";
    case SortKey::Service: return "service";
    case SortKey::Process: return "process";
    case SortKey::Pid: return "pid";
    case SortKey::User: return "user";
    case SortKey::Container: return "container";
    case SortKey::Age: return "age";
    }
    return "?";
}

SortKey next_sort_key(SortKey key)
{
    constexpr std::size_t n = std::size(all_sort_keys);
    for (std::size_t i = 0; i < n; ++i)
        if (all_sort_keys[i] == key)
            return all_sort_keys[(i + 1) % n];
    return SortKey::Exposure;
}

bool row_matches(const ListenerRow &row, std::string_view filter)
{
    if (filter.empty())
        return true;
    return contains_nocase(row.process, filter) ||
           std::to_string(row.port).find(filter) != std::string::npos ||
           contains_nocase(row.container, filter);
}

void sort_rows(std::vector<std::shared_ptr<const ListenerRow>> &rows, SortKey key, bool reverse)
{
    std::stable_sort(rows.begin(), rows.end(), [key, reverse](const auto &a, const auto &b) {
        if (int c = compare_by(*a, *b, key))
            return reverse ? c > 0 : c < 0;
        if (int c = compare_by(*a, *b, SortKey::Exposure))
            return c < 0;
        if (int c = compare_by(*a, *b, SortKey::Port))
            return c < 0;
        return std::tie(a->protocol, a->address, a->pid) < std::tie(b->protocol, b->address, b->pid);
    });
}

ListenerBoard::ListenerBoard(BoardLimits limits) : limits_(limits) {}

bool ListenerBoard::apply(const Event &event)
{
    if (event.kind == EventKind::StateChange)
        return true;
    return apply(event, row_from_event(event));
}

bool ListenerBoard::apply(const Event &event, std::shared_ptr<ListenerRow> row)
{
    ++events_;
    const SocketModel &s = model_of(event).socket;
    auto add_listener = [&]() {
        auto it = listening_.find(row->key);
        if (it != listening_.end()) {
            // The snapshot can report a socket whose live listen came first:
            // the live one knows when it started.
            if (event.kind != EventKind::Existing)
                it->second = std::move(row);
            return true;
        }
        if (listening_.size() >= limits_.listeners) {
            ++not_kept_;
            return false;
        }
        listening_.emplace(row->key, std::move(row));
        return true;
    };
    auto failed = [&](PastKind kind) {
        auto past = std::make_shared<PastRow>();
        past->kind = kind;
        past->wall_ns = event.wall_time_ns;
        past->error = errno_name(event.model.error);
        past->holder = escape_for_terminal(event.holder_hint);
        past->socket = std::move(row);
        remember(std::move(past));
        return true;
    };

    switch (event.kind) {
    case EventKind::Existing:
        return add_listener();
    case EventKind::Listen:
        return event.model.error ? failed(PastKind::ListenFailed) : add_listener();
    case EventKind::Bind:
        if (event.model.error)
            return failed(PastKind::BindFailed);
        // A bound UDP socket receives: it is a listener.  A TCP one is not
        // until its listen().
        return s.protocol == IPPROTO_UDP ? add_listener() : true;
    case EventKind::Close: {
        auto past = std::make_shared<PastRow>();
        past->kind = PastKind::Closed;
        past->wall_ns = event.wall_time_ns;
        std::shared_ptr<const ListenerRow> known;
        if (auto it = listening_.find(row->key); it != listening_.end()) {
            known = std::move(it->second);
            listening_.erase(it);
        }
        if (event.model.lifetime_known) {
            past->lifetime_known = true;
            past->lifetime_ns = event.model.lifetime_ns;
        } else if (known && !known->since_before && event.wall_time_ns >= known->since_wall_ns) {
            past->lifetime_known = true;
            past->lifetime_ns = static_cast<std::uint64_t>(event.wall_time_ns - known->since_wall_ns);
        }
        past->short_lived = past->lifetime_known && past->lifetime_ns < limits_.short_lived_ns;
        past->socket = known ? std::move(known) : std::shared_ptr<const ListenerRow>(std::move(row));
        remember(std::move(past));
        return true;
    }
    case EventKind::StateChange:
        return true;
    }
    return true;
}

void ListenerBoard::remember(std::shared_ptr<const PastRow> row)
{
    past_.push_front(std::move(row));
    while (past_.size() > limits_.past)
        past_.pop_back();
}

BoardView ListenerBoard::snapshot() const
{
    BoardView v;
    v.listening_total = listening_.size();
    v.past_total = past_.size();
    v.events = events_;
    v.not_kept = not_kept_;
    v.listening.reserve(listening_.size());
    for (const auto &[k, row] : listening_) {
        switch (row->verdict) {
        case Verdict::Expected: ++v.policy.expected; break;
        case Verdict::Unexpected: ++v.policy.unexpected; break;
        case Verdict::Forbidden: ++v.policy.forbidden; break;
        case Verdict::None: break;
        }
        v.listening.push_back(row);
    }
    v.past.assign(past_.begin(), past_.end());
    return v;
}

BoardView select(BoardView all, std::string_view filter, SortKey key, bool reverse)
{
    if (!filter.empty()) {
        std::erase_if(all.listening, [filter](const auto &row) { return !row_matches(*row, filter); });
        std::erase_if(all.past, [filter](const auto &p) { return !row_matches(*p->socket, filter); });
    }
    sort_rows(all.listening, key, reverse);
    return all;
}

std::vector<std::pair<std::uint64_t, std::uint32_t>> ListenerBoard::udp_owners() const
{
    std::vector<std::pair<std::uint64_t, std::uint32_t>> out;
    for (const auto &[k, row] : listening_)
        if (row->protocol == "udp" && row->pid)
            out.emplace_back(k, row->pid);
    return out;
}

void ListenerBoard::forget(const std::vector<std::uint64_t> &keys)
{
    for (auto k : keys)
        listening_.erase(k);
}

} // namespace tl::top
