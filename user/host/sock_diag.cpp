#include "host/sock_diag.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "util/unique_fd.hpp"
#include "trace_listen/event.h"

namespace tl {

namespace {

struct DumpRequest {
    nlmsghdr header;
    inet_diag_req_v2 request;
};

void parse_attributes(const inet_diag_msg *msg, std::size_t payload, DiagSocket &s)
{
    std::size_t offset = NLMSG_ALIGN(sizeof *msg);
    const char *base = reinterpret_cast<const char *>(msg);
    while (offset + sizeof(nlattr) <= payload) {
        const auto *attr = reinterpret_cast<const nlattr *>(base + offset);
        if (attr->nla_len < sizeof(nlattr) || offset + attr->nla_len > payload)
            break;
        const void *data = base + offset + NLA_HDRLEN;
        std::size_t len = attr->nla_len - NLA_HDRLEN;
        switch (attr->nla_type & NLA_TYPE_MASK) {
        case INET_DIAG_SKV6ONLY:
            if (len >= 1 && *static_cast<const std::uint8_t *>(data))
                s.options |= TL_OPT_V6ONLY;
            break;
        case INET_DIAG_SOCKOPT:
            if (len >= sizeof(inet_diag_sockopt)) {
                inet_diag_sockopt o;
                std::memcpy(&o, data, sizeof o);
                if (o.freebind)
                    s.options |= TL_OPT_FREEBIND;
                if (o.transparent)
                    s.options |= TL_OPT_TRANSPARENT;
                if (o.bind_address_no_port)
                    s.options |= TL_OPT_BIND_ADDRESS_NO_PORT;
            }
            break;
        case INET_DIAG_CGROUP_ID:
            if (len >= sizeof(std::uint64_t))
                std::memcpy(&s.cgroup_id, data, sizeof s.cgroup_id);
            break;
        default: break;
        }
        offset += NLA_ALIGN(attr->nla_len);
    }
}

DiagSocket from_message(const nlmsghdr *h)
{
    const auto *msg = static_cast<const inet_diag_msg *>(NLMSG_DATA(h));
    DiagSocket s;
    s.family = msg->idiag_family;
    s.state = msg->idiag_state;
    s.port = ntohs(msg->id.idiag_sport);
    std::memcpy(s.addr, msg->id.idiag_src, msg->idiag_family == AF_INET ? 4 : 16);
    s.bound_dev_if = msg->id.idiag_if;
    s.cookie = static_cast<std::uint64_t>(msg->id.idiag_cookie[0]) |
               (static_cast<std::uint64_t>(msg->id.idiag_cookie[1]) << 32);
    s.inode = msg->idiag_inode;
    s.uid = msg->idiag_uid;
    if (msg->idiag_state == 10 /* TCP_LISTEN */)
        s.backlog = msg->idiag_wqueue; // sk_max_ack_backlog for listeners
    parse_attributes(msg, h->nlmsg_len - NLMSG_HDRLEN, s);
    return s;
}

[[noreturn]] void fail(const char *what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

std::vector<DiagSocket> dump_inet_sockets(std::uint8_t family, std::uint8_t protocol,
                                          std::uint32_t states)
{
    UniqueFd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!fd)
        fail("sock_diag socket");

    DumpRequest req{};
    req.header.nlmsg_len = sizeof req;
    req.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.header.nlmsg_seq = 1;
    req.request.sdiag_family = family;
    req.request.sdiag_protocol = protocol;
    req.request.idiag_states = states;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd.get(), &req, sizeof req, 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel) < 0)
        fail("sock_diag request");

    std::vector<DiagSocket> sockets;
    alignas(nlmsghdr) char buf[32768];
    for (;;) {
        ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("sock_diag reply");
        }
        if (n == 0)
            return sockets;
        int left = static_cast<int>(n);
        for (auto *h = reinterpret_cast<nlmsghdr *>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type == NLMSG_DONE)
                return sockets;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const auto *err = static_cast<const nlmsgerr *>(NLMSG_DATA(h));
                errno = err->error ? -err->error : EPROTO;
                fail("sock_diag dump");
            }
            if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
                h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg)))
                continue;
            DiagSocket s = from_message(h);
            s.protocol = protocol;
            sockets.push_back(s);
        }
    }
}

} // namespace tl
