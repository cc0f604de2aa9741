#include "support/tracer_process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include <catch2/catch.hpp>

namespace tl::test {

bool bpf_available() { return geteuid() == 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0; }

TracerProcess::TracerProcess(std::vector<std::string> args, bool wait_ready, std::string binary)
{
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
        throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        // Like a shell would: the tracer must not hold the test's sockets.
        close_range(3, ~0U, 0);
        std::vector<char *> argv;
        argv.push_back(binary.data());
        for (auto &a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_thread_ = std::thread([this, fd = out_pipe[0]] { reader(fd, out_); });
    err_thread_ = std::thread([this, fd = err_pipe[0]] { reader(fd, err_); });
    if (wait_ready && !wait_for_stderr("tracing;", 30s)) {
        std::string e = err();
        stop(SIGKILL);
        throw std::runtime_error("trace-listen did not start: " + e);
    }
}

TracerProcess::~TracerProcess()
{
    if (!exited_)
        stop(SIGKILL);
    keep_json_lines(out_);
}

// Every JSON line any test saw goes to one folder, which the last test
// validates against the published ECS and OCSF schemas (tests/CMakeLists.txt).
// Of a burst's tens of thousands of alike event lines the first thousand are
// kept (and every other line: drop reports, seals), so that the check takes
// seconds, not minutes.
void keep_json_lines(const std::string &text)
{
    constexpr int most_kept = 1000;
    static std::atomic<unsigned> files{0};
    std::ostringstream kept;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() != '{')
            continue;
        const bool event = line.find("\"kind\":\"event\"") != std::string::npos ||
                           line.find("\"class_uid\":4001") != std::string::npos;
        if (event && n++ >= most_kept)
            continue;
        kept << line << '\n';
    }
    if (kept.tellp() <= 0)
        return;
    std::string path = std::string(TRACE_LISTEN_JSON_LINES_DIR) + "/" + std::to_string(getpid()) +
                       "-" + std::to_string(files++) + ".jsonl";
    if (FILE *f = std::fopen(path.c_str(), "we")) {
        std::fputs(kept.str().c_str(), f);
        std::fclose(f);
    }
}

void TracerProcess::reader(int fd, std::string &into)
{
    std::array<char, 65536> buf;
    for (;;) {
        ssize_t n = read(fd, buf.data(), buf.size());
        if (n <= 0)
            break;
        std::lock_guard lock(mutex_);
        into.append(buf.data(), static_cast<std::size_t>(n));
        changed_.notify_all();
    }
    close(fd);
    std::lock_guard lock(mutex_);
    ++streams_closed_;
    changed_.notify_all();
}

void TracerProcess::signal(int sig)
{
    if (!exited_)
        kill(pid_, sig);
}

int TracerProcess::wait(std::chrono::milliseconds timeout)
{
    if (exited_)
        return status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            break;
        }
        usleep(10000);
    }
    exited_ = true;
    out_thread_.join();
    err_thread_.join();
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
}

int TracerProcess::stop(int sig)
{
    signal(sig);
    return wait();
}

std::string TracerProcess::out() const
{
    std::lock_guard lock(mutex_);
    return out_;
}

std::string TracerProcess::err() const
{
    std::lock_guard lock(mutex_);
    return err_;
}

std::vector<Json> TracerProcess::json_lines() const
{
    std::vector<Json> lines;
    std::istringstream in(out());
    std::string line;
    while (std::getline(in, line)) {
        INFO("stdout line: " << line);
        REQUIRE_NOTHROW(lines.push_back(Json::parse(line)));
    }
    return lines;
}

std::optional<Json> TracerProcess::wait_for_json(const std::function<bool(const Json &)> &match,
                                                 std::chrono::milliseconds timeout) const
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t scanned = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
        std::size_t nl;
        while ((nl = out_.find('\n', scanned)) != std::string::npos) {
            auto doc = Json::parse(out_.substr(scanned, nl - scanned), nullptr, false);
            scanned = nl + 1;
            if (!doc.is_discarded() && match(doc))
                return doc;
        }
        if (changed_.wait_until(lock, deadline) == std::cv_status::timeout)
            return std::nullopt;
    }
}

bool TracerProcess::wait_for_stderr(const std::string &text, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] {
        return err_.find(text) != std::string::npos || streams_closed_ == 2;
    });
    return err_.find(text) != std::string::npos;
}

std::optional<std::string> try_shell(const std::string &command)
{
    std::string output;
    FILE *p = popen((command + " 2>&1").c_str(), "r");
    if (!p)
        return std::nullopt;
    std::array<char, 4096> buf;
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p))
        output.append(buf.data(), n);
    int status = pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::nullopt;
    return output;
}

std::string shell(const std::string &command)
{
    auto out = try_shell(command);
    INFO("command: " << command);
    REQUIRE(out.has_value());
    return *out;
}

Json expect_event(const TracerProcess &tracer, const std::string &action, int port, int pid)
{
    if (pid < 0)
        pid = getpid();
    auto event = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == action &&
               j.value("/process/pid"_json_pointer, -1) == pid &&
               j.value("/server/port"_json_pointer, -1) == port;
    });
    INFO("stdout so far:\n" << tracer.out() << "\nstderr:\n" << tracer.err());
    REQUIRE(event.has_value());
    return *event;
}

std::vector<Json> events_of(const std::vector<Json> &lines, const std::string &action, int pid)
{
    std::vector<Json> found;
    for (const auto &l : lines)
        if (l.value("/event/action"_json_pointer, "") == action &&
            l.value("/process/pid"_json_pointer, -1) == pid)
            found.push_back(l);
    return found;
}

} // namespace tl::test
