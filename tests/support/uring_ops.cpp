#include "support/uring_ops.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <catch2/catch.hpp>

#if TL_HAVE_LIBURING
#include <liburing.h>
#endif

namespace tl::test {

// The opcodes postdate Debian 12's liburing 2.3: the SQE is filled by hand
// as the kernel's io_bind_prep/io_listen_prep read it.
constexpr unsigned char op_bind = 56;   // IORING_OP_BIND
constexpr unsigned char op_listen = 57; // IORING_OP_LISTEN

#if TL_HAVE_LIBURING
namespace {

class Ring {
public:
    Ring() { ok_ = io_uring_queue_init(4, &ring_, 0) == 0; }
    ~Ring()
    {
        if (ok_)
            io_uring_queue_exit(&ring_);
    }
    Ring(const Ring &) = delete;
    Ring &operator=(const Ring &) = delete;
    bool ok() const { return ok_; }

    // opcode, fd, addr, len, addr2 as the kernel's prep functions read them.
    int run(unsigned char opcode, int fd, const void *addr, unsigned len, unsigned long long addr2)
    {
        io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
        REQUIRE(sqe);
        io_uring_prep_rw(opcode, sqe, fd, addr, len, addr2); // addr2 shares off's slot
        REQUIRE(io_uring_submit(&ring_) == 1);
        io_uring_cqe *cqe = nullptr;
        REQUIRE(io_uring_wait_cqe(&ring_, &cqe) == 0);
        int res = cqe->res;
        io_uring_cqe_seen(&ring_, cqe);
        return res;
    }

private:
    io_uring ring_{};
    bool ok_ = false;
};

} // namespace

const char *uring_unavailable_reason()
{
    Ring ring;
    if (!ring.ok())
        return "io_uring is disabled or missing on this kernel";
    io_uring_probe *probe = io_uring_get_probe();
    bool known = probe && probe->last_op >= op_listen &&
                 (probe->ops[op_bind].flags & IO_URING_OP_SUPPORTED) &&
                 (probe->ops[op_listen].flags & IO_URING_OP_SUPPORTED);
    if (probe)
        io_uring_free_probe(probe);
    return known ? "" : "the kernel has no IORING_OP_BIND/IORING_OP_LISTEN (Linux 6.11+)";
}

int uring_bind(int fd, const sockaddr *addr, socklen_t len)
{
    Ring ring;
    REQUIRE(ring.ok());
    return ring.run(op_bind, fd, addr, 0, len);
}

int uring_listen(int fd, int backlog)
{
    Ring ring;
    REQUIRE(ring.ok());
    return ring.run(op_listen, fd, nullptr, static_cast<unsigned>(backlog), 0);
}

#else

const char *uring_unavailable_reason() { return "built without liburing (liburing-dev)"; }
int uring_bind(int, const sockaddr *, socklen_t) { return -ENOSYS; }
int uring_listen(int, int) { return -ENOSYS; }

#endif

} // namespace tl::test
