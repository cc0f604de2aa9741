// A real terminal for tests of full-screen commands: a private tmux server
// (its own socket, so parallel runs never meet) with one detached session of
// a fixed size running an interactive shell.  Keys go in with send-keys, the
// screen comes out with capture-pane.  The server is killed on destruction.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace tl::test {

// True when tmux is installed (tests that need it SKIP otherwise).
bool tmux_available();

class TmuxSession {
public:
    // `environment`: extra VAR=value words for the shell (e.g. "LANG=C.UTF-8").
    TmuxSession(int width, int height, const std::string &environment = "");
    ~TmuxSession();
    TmuxSession(const TmuxSession &) = delete;
    TmuxSession &operator=(const TmuxSession &) = delete;

    void type(const std::string &text) const;      // literally, no Enter
    void keys(const std::string &key_names) const; // tmux key names: Enter, C-c, Escape, Down
    void run(const std::string &command_line) const { type(command_line), keys("Enter"); }
    void resize(int width, int height) const;

    std::string screen() const;                 // the visible pane, plain text
    std::string screen_with_attributes() const; // with the SGR sequences (colours, bold)
    std::string joined_screen() const;          // lines the terminal wrapped joined again

    // Polls the screen until `ok` holds or `timeout` passes; `last` gets the
    // final screen either way (for the failure message).
    bool wait_for(const std::function<bool(const std::string &)> &ok,
                  std::chrono::milliseconds timeout, std::string *last = nullptr) const;
    bool wait_for_text(const std::string &text, std::chrono::milliseconds timeout,
                       std::string *last = nullptr) const;

private:
    std::string tmux(const std::string &arguments) const;
    std::string socket_;
    std::string socket_path_;
};

// 'text' for a POSIX shell.
std::string shell_quote(const std::string &text);

} // namespace tl::test
