// Runs build/trace-listen as a user would and reads what it prints.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/skip.hpp"
#include "support/tracer_binary.hpp"

namespace tl::test {

using Json = nlohmann::json;
using namespace std::chrono_literals;

// True when this process may load BPF programs (root and kernel BTF).
bool bpf_available();

// Skips the current test (ctest shows it as skipped) where BPF is unavailable.
#define TL_REQUIRE_BPF()                                                                       \
    do {                                                                                       \
        if (!::tl::test::bpf_available())                                                      \
            TL_SKIP_AS(::tl::test::SkipKind::NoBpf,                                            \
                       "needs root and kernel BTF to load BPF programs");                      \
    } while (0)

class TracerProcess {
public:
    // Starts trace-listen with `args`; returns once it logged that it is
    // tracing (throws with its stderr if it exited or took over 30 s).
    // wait_ready=false: return at once (for commands that just run and exit).
    // `binary`: another build of the tracer (a test-only variant).
    explicit TracerProcess(std::vector<std::string> args, bool wait_ready = true,
                           std::string binary = tracer_binary());
    TracerProcess(const TracerProcess &) = delete;
    TracerProcess &operator=(const TracerProcess &) = delete;
    ~TracerProcess();

    // Sends `signal` (SIGINT by default), waits for exit, returns the exit status.
    int stop(int signal = 2);
    // Waits for the process to exit by itself (for --count/--duration).
    int wait(std::chrono::milliseconds timeout = 30s);
    void signal(int sig);

    std::string out() const;
    std::string err() const;
    // Every stdout line parsed as JSON; a line that does not parse fails the test.
    std::vector<Json> json_lines() const;
    // Waits until a JSON line satisfying `match` appears on stdout.
    std::optional<Json> wait_for_json(const std::function<bool(const Json &)> &match,
                                      std::chrono::milliseconds timeout = 10s) const;
    bool wait_for_stderr(const std::string &text, std::chrono::milliseconds timeout = 10s) const;
    pid_t pid() const { return pid_; }

private:
    void reader(int fd, std::string &into);
    pid_t pid_ = -1;
    int status_ = -1;
    bool exited_ = false;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::string out_, err_;
    int streams_closed_ = 0;
    std::thread out_thread_, err_thread_;
};

// Keeps the JSON lines in `text` (what a tracer printed or a sink wrote) for
// the schema check that runs after the integration tests.
void keep_json_lines(const std::string &text);

// Runs a shell command, returns its stdout; fails the test if it exits non-zero.
std::string shell(const std::string &command);
// Same, but returns nullopt instead of failing.
std::optional<std::string> try_shell(const std::string &command);

// Waits for an event of `action` on local port `port` from process `pid`
// (default: the test process itself); fails the test, showing the tracer's
// output, when none comes.
Json expect_event(const TracerProcess &tracer, const std::string &action, int port, int pid = -1);

// Events with the given event.action whose process.pid is `pid`.
std::vector<Json> events_of(const std::vector<Json> &lines, const std::string &action, int pid);

} // namespace tl::test
