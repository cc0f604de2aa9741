// Lookups that may block for long (an NSS user database on LDAP, a netlink
// dump and a /proc scan for a port's holder) run on a worker thread, and the
// ring-buffer consumer waits for an answer at most a bounded time.  Answers
// are kept for a while, also one that comes after its caller stopped
// waiting, so a later event asking about the same key gets it at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

namespace tl {

struct BoundedLookupOptions {
    // The longest a caller waits for an answer it asked for.
    std::chrono::microseconds wait{std::chrono::milliseconds(5)};
    // Lookups waiting or running at once; more are not started (and counted).
    std::size_t max_pending = 64;
    // Answers kept for later callers (also those that came too late for the
    // caller that asked), and for how long they stay true.
    std::size_t max_answers = 256;
    std::chrono::milliseconds answer_ttl{std::chrono::minutes(10)};
};

template <typename Key, typename Value, typename Hash = std::hash<Key>,
          typename Equal = std::equal_to<Key>>
class BoundedLookup {
public:
    // `lookup` runs on the worker thread only: it may block, and must not
    // touch what the caller's thread uses without a lock.  It must own what
    // it uses: a lookup that hangs outlives this object.  It may throw: that
    // key then has no answer this time.
    using Lookup = std::function<Value(const Key &)>;

    explicit BoundedLookup(Lookup lookup, BoundedLookupOptions options = {})
        : state_(std::make_shared<State>(std::move(lookup), options))
    {
        worker_ = std::thread([state = state_] { state->run(); });
    }
    BoundedLookup(const BoundedLookup &) = delete;
    BoundedLookup &operator=(const BoundedLookup &) = delete;

    // Stops the worker.  A lookup that hangs (an NSS server that never
    // answers) is not waited for beyond a second: the thread is left to end
    // on its own, holding only what it shares with nobody.
    ~BoundedLookup()
    {
        std::unique_lock lock(state_->mutex);
        state_->stopping = true;
        state_->work.notify_one();
        if (state_->idle.wait_for(lock, std::chrono::seconds(1), [&] { return state_->exited; })) {
            lock.unlock();
            worker_.join();
        } else {
            lock.unlock();
            worker_.detach();
        }
    }

    // The answer, if it is known or comes within the wait; nullopt
    // otherwise, counted in timed_out().  Only the
    // first caller of a lookup waits, and nobody waits while the worker is
    // stuck on an earlier lookup: a hung database costs one wait, not one per event.
    std::optional<Value> get(const Key &key)
    {
        State &s = *state_;
        std::unique_lock lock(s.mutex);
        const auto now = Clock::now();
        if (auto it = s.entries.find(key); it != s.entries.end()) {
            Entry &e = it->second;
            if (!e.done) {
                if (e.awaited) {
                    ++s.timed_out; // asked before and still running: no second wait
                    return std::nullopt;
                }
                e.awaited = true; // prefetched: its first caller waits as for its own
                return s.wait_for_answer(lock, key, now);
            }
            if (now - e.done_at <= s.options.answer_ttl) {
                if (e.value)
                    return e.value;
                s.entries.erase(it); // the lookup failed: it is tried again next time
                ++s.timed_out;
                return std::nullopt;
            }
            s.entries.erase(it); // too old to trust: look again
        }
        if (!s.start(key, /*awaited=*/true)) {
            ++s.timed_out;
            return std::nullopt;
        }
        return s.wait_for_answer(lock, key, now);
    }

    // Starts the lookup of `key` unless it is known or under way, and waits
    // for nothing: for an answer wanted soon (at start-up, before the first
    // event asks).
    void prefetch(const Key &key)
    {
        std::lock_guard lock(state_->mutex);
        if (!state_->entries.count(key))
            state_->start(key, /*awaited=*/false);
    }

    // Forgets the answers (SIGHUP: the database may have changed).
    void clear()
    {
        std::lock_guard lock(state_->mutex);
        for (auto it = state_->entries.begin(); it != state_->entries.end();)
            it = it->second.done ? state_->entries.erase(it) : std::next(it);
    }

    // Callers that went on without the answer (not there in time, the
    // worker stuck or too many lookups waiting, or the lookup failed).
    std::uint64_t timed_out() const
    {
        std::lock_guard lock(state_->mutex);
        return state_->timed_out;
    }

private:
    using Clock = std::chrono::steady_clock;

    struct Entry {
        bool done = false;
        bool awaited = false; // a caller waited for it (false: prefetched)
        std::optional<Value> value; // nullopt when done: the lookup threw
        Clock::time_point done_at{};
    };

    struct State {
        State(Lookup l, BoundedLookupOptions o) : lookup(std::move(l)), options(o) {}

        void run()
        {
            std::unique_lock lock(mutex);
            for (;;) {
                work.wait(lock, [&] { return stopping || !queue.empty(); });
                if (stopping)
                    break;
                Key key = std::move(queue.front());
                queue.pop_front();
                busy = true;
                busy_since = Clock::now();
                lock.unlock();
                std::optional<Value> value;
                try {
                    value = lookup(key);
                } catch (...) {
                }
                lock.lock();
                busy = false;
                --pending;
                finish(key, std::move(value));
                answered.notify_all();
            }
            exited = true;
            idle.notify_all();
        }

        // Queues a lookup of `key` (not known yet); false when too many wait.
        bool start(const Key &key, bool awaited)
        {
            if (pending >= options.max_pending)
                return false;
            Entry entry;
            entry.awaited = awaited;
            entries.emplace(key, entry);
            queue.push_back(key);
            ++pending;
            work.notify_one();
            return true;
        }

        // The answer of a lookup under way, if it comes within the wait
        // (none while the worker is stuck on an earlier lookup).
        std::optional<Value> wait_for_answer(std::unique_lock<std::mutex> &lock, const Key &key,
                                             Clock::time_point now)
        {
            const bool stuck = busy && now - busy_since > options.wait;
            if (!stuck)
                answered.wait_until(lock, now + options.wait, [&] {
                    auto it = entries.find(key);
                    return it == entries.end() || it->second.done;
                });
            auto it = entries.find(key);
            if (it != entries.end() && it->second.done) {
                if (it->second.value)
                    return it->second.value;
                entries.erase(it);
            }
            ++timed_out;
            return std::nullopt;
        }

        void finish(const Key &key, std::optional<Value> value)
        {
            auto it = entries.find(key);
            if (it == entries.end())
                return; // forgotten meanwhile (clear)
            it->second.done = true;
            it->second.value = std::move(value);
            it->second.done_at = Clock::now();
            // Answers nobody asks for again must not pile up: drop the oldest.
            std::size_t done = 0;
            auto oldest = entries.end();
            for (auto e = entries.begin(); e != entries.end(); ++e)
                if (e->second.done) {
                    ++done;
                    if (oldest == entries.end() || e->second.done_at < oldest->second.done_at)
                        oldest = e;
                }
            if (done > options.max_answers)
                entries.erase(oldest);
        }

        Lookup lookup;
        BoundedLookupOptions options;
        std::mutex mutex;
        std::condition_variable work, answered, idle;
        std::deque<Key> queue;
        std::unordered_map<Key, Entry, Hash, Equal> entries; // queued, running or answered
        std::size_t pending = 0;
        bool busy = false;
        Clock::time_point busy_since{};
        bool stopping = false, exited = false;
        std::uint64_t timed_out = 0;
    };

    std::shared_ptr<State> state_;
    std::thread worker_;
};

} // namespace tl
