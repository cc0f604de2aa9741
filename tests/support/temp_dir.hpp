// Fresh files and directories under /tmp, removed at scope end.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tl::test {

struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        std::string name = "/tmp/trace-listen-test-XXXXXX";
        if (!mkdtemp(name.data()))
            throw std::runtime_error("mkdtemp failed");
        path = name;
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    ~TempDir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

// A file with the given text (a policy, a config), rewritable.
class TempFile {
public:
    explicit TempFile(const std::string &text = "")
    {
        std::string name = "/tmp/trace-listen-test-XXXXXX";
        int fd = mkstemp(name.data());
        if (fd < 0)
            throw std::runtime_error("mkstemp failed");
        close(fd);
        path_ = name;
        write(text);
    }
    ~TempFile() { std::remove(path_.c_str()); }
    TempFile(const TempFile &) = delete;
    TempFile &operator=(const TempFile &) = delete;
    void write(const std::string &text) const { std::ofstream(path_, std::ios::trunc) << text; }
    std::string read() const
    {
        std::ifstream in(path_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    const std::string &path() const { return path_; }

private:
    std::string path_;
};

} // namespace tl::test
