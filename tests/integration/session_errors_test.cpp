// The consumer survives what a sink or enricher throws: the failure is
// counted, the record is not, and reading goes on (an exception must never
// unwind through libbpf's C callback).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "support/sockets.hpp"
#include "support/tracer_process.hpp"
#include "pipeline/trace_session.hpp"

using namespace tl;
using namespace tl::test;

namespace {

// Fails on every second event: the first failure must not stop the rest.
class FailingSink final : public Sink {
public:
    void write(const Event &) override
    {
        if (++calls_ % 2 == 1)
            throw std::runtime_error("sink broke");
        ++written_;
    }
    void write(const DropReport &) override {}
    void flush() override {}
    SinkStats stats() const override { return {}; }
    std::string name() const override { return "failing"; }
    static std::atomic<int> written_;

private:
    int calls_ = 0;
};
std::atomic<int> FailingSink::written_{0};

} // namespace

TEST_CASE("a record whose handling throws is counted as failed and the trace goes on")
{
    TL_REQUIRE_BPF();
    SessionOptions options;
    options.kernel.pid = static_cast<std::uint32_t>(getpid());
    options.kernel.listen = options.kernel.close = false;
    options.filter.pid = options.kernel.pid;
    options.duration = std::chrono::milliseconds(1500);
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(std::make_unique<FailingSink>());
    TraceSession session(std::move(options), std::move(sinks));
    session.start();
    // Plain calls: Catch2's assertions are not for other threads.
    std::thread binder([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        for (int i = 0; i < 4; ++i) {
            Fd fd(socket(AF_INET, SOCK_DGRAM, 0));
            sockaddr_in any{};
            any.sin_family = AF_INET;
            any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            (void)bind(fd.get(), reinterpret_cast<sockaddr *>(&any), sizeof any);
        }
    });
    std::atomic<bool> stop{false}, reload{false};
    SessionSummary summary = session.run({stop, reload});
    binder.join();
    CHECK(summary.failed_records == 2);
    CHECK(FailingSink::written_ == 2);
    CHECK(summary.line().find("failed-records=2") != std::string::npos);
}
