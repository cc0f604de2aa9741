#include "kernel/capabilities.hpp"

#include <sys/capability.h>

#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tl {

namespace {

struct CapFree {
    void operator()(void *p) const { cap_free(p); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;
using CapText = std::unique_ptr<char, CapFree>;

[[noreturn]] void fail(const std::string &what)
{
    throw std::runtime_error("cannot drop capabilities: " + what + ": " + std::strerror(errno));
}

// Capabilities belong to each thread, and the sink threads exist already.
// Like glibc's setuid() broadcast, every other thread is signalled and applies
// the same sets to itself (std::thread does not go through libpsx's wrapper).
int broadcast_signal() { return SIGRTMIN + 3; }
cap_t broadcast_target = nullptr;
std::vector<cap_value_t> broadcast_unbound;
std::atomic<int> broadcast_failed{0};
// Which threads answered: a slot each, taken in turn (0: not written yet).
constexpr int max_answers = 4096;
std::atomic<pid_t> broadcast_answers[max_answers];
std::atomic<int> broadcast_answering{0};

void apply_in_this_thread(int)
{
    int saved = errno;
    for (cap_value_t c : broadcast_unbound)
        cap_drop_bound(c);
    if (cap_set_proc(broadcast_target) != 0)
        ++broadcast_failed;
    int slot = broadcast_answering.fetch_add(1);
    if (slot < max_answers)
        broadcast_answers[slot].store(static_cast<pid_t>(syscall(SYS_gettid)));
    errno = saved;
}

bool answered(pid_t tid)
{
    const int taken = std::min(broadcast_answering.load(), max_answers);
    for (int i = 0; i < taken; ++i)
        if (broadcast_answers[i].load() == tid)
            return true;
    return false;
}

// A thread that has ended holds no capabilities: it need not answer.  (One
// signalled while it was ending never runs the handler.)
bool thread_alive(pid_t tid) { return syscall(SYS_tgkill, getpid(), tid, 0) == 0; }

std::vector<pid_t> other_threads()
{
    std::vector<pid_t> tids;
    std::unique_ptr<DIR, int (*)(DIR *)> dir(opendir("/proc/self/task"), closedir);
    pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
    while (dir) {
        dirent *e = readdir(dir.get());
        if (!e)
            break;
        if (e->d_name[0] != '.' && std::stoi(e->d_name) != self)
            tids.push_back(std::stoi(e->d_name));
    }
    return tids;
}

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer's own background thread blocks every signal and so never
// answers: in that test build only the answers that came are checked.
constexpr bool every_thread_must_answer = false;
constexpr std::chrono::milliseconds answer_wait{500};
#else
constexpr bool every_thread_must_answer = true;
// A thread in an uninterruptible call (a read from a slow file system, as
// the 6.1 VM's 9p root under a flood) runs the handler only when the call
// returns: waited for generously, as this is once per run.
constexpr std::chrono::milliseconds answer_wait{15000};
#endif

void apply_in_other_threads(cap_t target, std::vector<cap_value_t> unbound)
{
    broadcast_target = target;
    broadcast_unbound = std::move(unbound);
    broadcast_failed = 0;
    broadcast_answering = 0;
    for (auto &tid : broadcast_answers) // no answer of an earlier broadcast counts
        tid.store(0);
    struct sigaction sa {}, old {};
    sa.sa_handler = apply_in_this_thread;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(broadcast_signal(), &sa, &old);
    std::vector<pid_t> waiting; // signalled, not answered, still there
    for (pid_t tid : other_threads())
        if (syscall(SYS_tgkill, getpid(), tid, broadcast_signal()) == 0)
            waiting.push_back(tid);
    auto deadline = std::chrono::steady_clock::now() + answer_wait;
    for (;;) {
        std::erase_if(waiting, [](pid_t tid) { return answered(tid) || !thread_alive(tid); });
        if (waiting.empty() || std::chrono::steady_clock::now() >= deadline)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    sigaction(broadcast_signal(), &old, nullptr);
    if ((every_thread_must_answer && !waiting.empty()) || broadcast_failed.load()) {
        errno = EPERM;
        fail("a thread did not drop them");
    }
}

} // namespace

std::string effective_capabilities_text()
{
    CapPtr caps(cap_get_proc());
    if (!caps)
        return "unknown";
    CapText text(cap_to_text(caps.get(), nullptr));
    return text ? text.get() : "unknown";
}

std::string drop_capabilities_except(const std::string &keep)
{
    CapPtr listed(cap_from_text(("= " + keep + "+p").c_str()));
    if (!listed)
        fail("bad capability list '" + keep + "'");
    CapPtr current(cap_get_proc());
    if (!current)
        fail("cap_get_proc");
    // Kept: what is listed and held now (a non-root user with file
    // capabilities may hold fewer).  Everything else goes.
    CapPtr wanted(cap_init());
    std::vector<cap_value_t> unbound;
    cap_flag_value_t have_setpcap = CAP_CLEAR;
    cap_get_flag(current.get(), CAP_SETPCAP, CAP_EFFECTIVE, &have_setpcap);
    for (cap_value_t c = 0; c < static_cast<cap_value_t>(cap_max_bits()); ++c) {
        cap_flag_value_t in_list = CAP_CLEAR, held = CAP_CLEAR;
        cap_get_flag(listed.get(), c, CAP_PERMITTED, &in_list);
        cap_get_flag(current.get(), c, CAP_PERMITTED, &held);
        if (in_list == CAP_SET && held == CAP_SET) {
            cap_set_flag(wanted.get(), CAP_PERMITTED, 1, &c, CAP_SET);
            cap_set_flag(wanted.get(), CAP_EFFECTIVE, 1, &c, CAP_SET);
        } else if (have_setpcap == CAP_SET && CAP_IS_SUPPORTED(c)) {
            unbound.push_back(c);
        }
    }
    apply_in_other_threads(wanted.get(), unbound);
    // The bounding set first: removing from it needs CAP_SETPCAP, dropped below.
    for (cap_value_t c : unbound)
        if (cap_drop_bound(c) != 0)
            fail("cap_drop_bound");
    if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() != 0)
        fail("cap_reset_ambient");
    if (cap_set_proc(wanted.get()) != 0)
        fail("cap_set_proc");
    return effective_capabilities_text();
}

} // namespace tl
