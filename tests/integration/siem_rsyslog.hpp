// A real rsyslogd for the SIEM tests: started on loopback with TCP
// (octet-counted) and UDP inputs and a local datagram socket, its own config
// and work directory under a temp dir, writing every message it receives as
// one JSON line (input, app-name, procid, msgid, structured data, msg).
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/sockets.hpp"

namespace tl::test {

inline std::filesystem::path make_temp_dir(const char *tag)
{
    std::string tmpl = std::string("/tmp/tl-") + tag + "-XXXXXX";
    char *made = mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    return made;
}

// A port nobody uses right now (bound and released).
inline std::uint16_t free_port(int type)
{
    Fd fd(socket(AF_INET, type, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
    return local_port(fd.get());
}

// Ends an rsyslogd this test started (SIGTERM, then reaps it); pid becomes -1.
inline void stop_rsyslogd(pid_t &pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    pid = -1;
}

class Rsyslog {
public:
    Rsyslog() : dir_(make_temp_dir("rsyslog")), tcp_port_(free_port(SOCK_STREAM)),
                udp_port_(free_port(SOCK_DGRAM))
    {
        std::filesystem::create_directory(dir_ / "work");
        std::ofstream conf(dir_ / "rsyslog.conf");
        conf << "global(workDirectory=\"" << (dir_ / "work").string()
             << "\" maxMessageSize=\"64k\")\n"
             << "module(load=\"imtcp\")\nmodule(load=\"imudp\")\n"
             << "module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
             << "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" << tcp_port_ << "\")\n"
             << "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" << udp_port_ << "\")\n"
             << "input(type=\"imuxsock\" Socket=\"" << socket_path()
             << "\" UseSpecialParser=\"off\" ParseHostname=\"on\")\n"
             << "template(name=\"tljson\" type=\"list\" option.jsonf=\"on\") {\n"
             << "  property(outname=\"input\" name=\"inputname\" format=\"jsonf\")\n"
             << "  property(outname=\"app\" name=\"app-name\" format=\"jsonf\")\n"
             << "  property(outname=\"procid\" name=\"procid\" format=\"jsonf\")\n"
             << "  property(outname=\"msgid\" name=\"msgid\" format=\"jsonf\")\n"
             << "  property(outname=\"sd\" name=\"structured-data\" format=\"jsonf\")\n"
             << "  property(outname=\"msg\" name=\"msg\" format=\"jsonf\")\n"
             << "}\n"
             << "*.* action(type=\"omfile\" file=\"" << output_path()
             << "\" template=\"tljson\" flushOnTXEnd=\"on\" asyncWriting=\"off\")\n";
        conf.close();
        start();
    }
    ~Rsyslog()
    {
        stop();
        std::filesystem::remove_all(dir_);
    }

    void start()
    {
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            std::string conf = (dir_ / "rsyslog.conf").string();
            std::string pidfile = (dir_ / "rsyslog.pid").string();
            execl("/usr/sbin/rsyslogd", "rsyslogd", "-n", "-f", conf.c_str(), "-i",
                  pidfile.c_str(), static_cast<char *>(nullptr));
            _exit(127);
        }
        // Ready when a probe sent through each input has been written out.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        const std::string probe = "probe-" + std::to_string(++probes_);
        while (std::chrono::steady_clock::now() < deadline) {
            send_probe(probe);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            int seen = 0;
            for (auto &r : records())
                if (r.value("msg", "").find(probe) != std::string::npos)
                    ++seen;
            if (seen >= 3)
                return;
            int status;
            REQUIRE(waitpid(pid_, &status, WNOHANG) == 0); // rsyslogd must not have died
        }
        FAIL("rsyslogd did not become ready: " << contents());
    }

    void stop() { stop_rsyslogd(pid_); }

    std::uint16_t tcp_port() const { return tcp_port_; }
    std::uint16_t udp_port() const { return udp_port_; }
    std::string socket_path() const { return (dir_ / "log.sock").string(); }
    std::string output_path() const { return (dir_ / "received.jsonl").string(); }
    std::string contents() const
    {
        std::ifstream in(output_path());
        return std::string((std::istreambuf_iterator<char>(in)), {});
    }

    // Every line rsyslog wrote; a line that is not JSON fails the test.
    std::vector<nlohmann::json> records() const
    {
        std::vector<nlohmann::json> out;
        std::istringstream in(contents());
        std::string line;
        while (std::getline(in, line)) {
            INFO("rsyslog line: " << line);
            REQUIRE_NOTHROW(out.push_back(nlohmann::json::parse(line)));
        }
        return out;
    }

    // Records from trace-listen (not probes) through `input` (imtcp, imudp, imuxsock).
    std::vector<nlohmann::json> from_tracer(const std::string &input) const
    {
        std::vector<nlohmann::json> out;
        for (auto &r : records())
            if (r.value("input", "") == input && r.value("app", "") == "trace-listen")
                out.push_back(r);
        return out;
    }

private:
    void send_probe(const std::string &text)
    {
        std::string msg = "<14>1 - - probe - - - " + text;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(udp_port_);
        Fd udp(socket(AF_INET, SOCK_DGRAM, 0));
        sendto(udp.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr *>(&a), sizeof a);
        Fd tcp(socket(AF_INET, SOCK_STREAM, 0));
        a.sin_port = htons(tcp_port_);
        if (connect(tcp.get(), reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) {
            std::string framed = std::to_string(msg.size()) + " " + msg;
            send(tcp.get(), framed.data(), framed.size(), MSG_NOSIGNAL);
        }
        sockaddr_un u{};
        u.sun_family = AF_UNIX;
        std::snprintf(u.sun_path, sizeof u.sun_path, "%s", socket_path().c_str());
        Fd local(socket(AF_UNIX, SOCK_DGRAM, 0));
        sendto(local.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr *>(&u), sizeof u);
    }

    std::filesystem::path dir_;
    std::uint16_t tcp_port_, udp_port_;
    pid_t pid_ = -1;
    int probes_ = 0;
};

// Decodes standard base64 (as trace-listen writes it under *.raw.*).
inline std::string base64_decode(const std::string &text)
{
    static const std::string table =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        auto pos = table.find(c);
        if (pos == std::string::npos)
            break; // '=' padding
        acc = (acc << 6) | static_cast<std::uint32_t>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

} // namespace tl::test
