// A one-shot start signal across fork(): the child waits, the parent opens.
#pragma once

namespace tl::test {

class Gate {
public:
    Gate();
    ~Gate();
    Gate(const Gate &) = delete;
    Gate &operator=(const Gate &) = delete;
    void wait(); // in the child: blocks until open() is called
    void open(); // in the parent

private:
    int fds_[2] = {-1, -1};
};

} // namespace tl::test
