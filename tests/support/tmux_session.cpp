#include "support/tmux_session.hpp"

#include <unistd.h>

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "support/tracer_process.hpp"

namespace tl::test {

namespace {
std::atomic<int> sessions{0};
}

bool tmux_available() { return try_shell("tmux -V").has_value(); }

std::string shell_quote(const std::string &text)
{
    std::string out = "'";
    for (char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

TmuxSession::TmuxSession(int width, int height, const std::string &environment)
    : socket_("tl-test-" + std::to_string(getpid()) + "-" + std::to_string(sessions++))
{
    // No user configuration; a plain prompt; no history file.
    tmux("-f /dev/null new-session -d -s t -x " + std::to_string(width) + " -y " +
         std::to_string(height) + " " +
         shell_quote("env PS1='$ ' HISTFILE=/dev/null " + environment +
                     " bash --norc --noprofile"));
    tmux("set-option -t t status off");
    socket_path_ = tmux("display-message -p '#{socket_path}'");
    while (!socket_path_.empty() && socket_path_.back() == '\n')
        socket_path_.pop_back();
    wait_for_text("$", std::chrono::seconds(10));
}

TmuxSession::~TmuxSession()
{
    try_shell("tmux -L " + socket_ + " kill-server");
    if (!socket_path_.empty()) // a killed server leaves its socket file
        unlink(socket_path_.c_str());
}

std::string TmuxSession::tmux(const std::string &arguments) const
{
    return shell("tmux -L " + socket_ + " " + arguments);
}

void TmuxSession::type(const std::string &text) const
{
    tmux("send-keys -t t -l " + shell_quote(text));
}

void TmuxSession::keys(const std::string &key_names) const { tmux("send-keys -t t " + key_names); }

void TmuxSession::resize(int width, int height) const
{
    tmux("resize-window -t t -x " + std::to_string(width) + " -y " + std::to_string(height));
}

std::string TmuxSession::screen() const { return tmux("capture-pane -t t -p"); }

std::string TmuxSession::screen_with_attributes() const { return tmux("capture-pane -t t -p -e"); }

std::string TmuxSession::joined_screen() const { return tmux("capture-pane -t t -p -J"); }

bool TmuxSession::wait_for(const std::function<bool(const std::string &)> &ok,
                           std::chrono::milliseconds timeout, std::string *last) const
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        std::string s = screen();
        bool done = ok(s);
        if (last)
            *last = s;
        if (done)
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool TmuxSession::wait_for_text(const std::string &text, std::chrono::milliseconds timeout,
                                std::string *last) const
{
    return wait_for([&](const std::string &s) { return s.find(text) != std::string::npos; },
                    timeout, last);
}

} // namespace tl::test
