// bind and listen through io_uring (IORING_OP_BIND / IORING_OP_LISTEN,
// Linux 6.11+): no bind()/listen() syscall is made.
#pragma once

#include <sys/socket.h>

namespace tl::test {

// Why io_uring bind/listen cannot be used here, or empty when it can
// (built with liburing, io_uring enabled, and the kernel knows the opcodes).
const char *uring_unavailable_reason();

// Submit one request and wait for its completion; the CQE's result
// (0 or -errno).  Fails the test when the ring itself cannot be used.
int uring_bind(int fd, const sockaddr *addr, socklen_t len);
int uring_listen(int fd, int backlog);

} // namespace tl::test
