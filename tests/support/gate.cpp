#include "support/gate.hpp"

#include <unistd.h>

#include <stdexcept>

namespace tl::test {

Gate::Gate()
{
    if (pipe(fds_) != 0)
        throw std::runtime_error("pipe failed");
}

Gate::~Gate()
{
    for (int fd : fds_)
        if (fd >= 0)
            close(fd);
}

void Gate::wait()
{
    close(fds_[1]);
    fds_[1] = -1;
    char c;
    while (read(fds_[0], &c, 1) < 0) {
    }
}

void Gate::open()
{
    char c = 1;
    if (write(fds_[1], &c, 1) != 1)
        throw std::runtime_error("gate write failed");
}

} // namespace tl::test
