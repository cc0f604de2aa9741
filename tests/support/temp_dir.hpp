// A fresh directory under /tmp, removed with everything in it at scope end.
#pragma once

#include <stdlib.h>

#include <filesystem>
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

} // namespace tl::test
