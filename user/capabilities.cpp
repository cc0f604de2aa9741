#include "capabilities.hpp"

#include <sys/capability.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace tl {

namespace {

struct CapFree {
    void operator()(void *p) const { cap_free(p); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;
using CapText = std::unique_ptr<char, CapFree>;

[[noreturn]] void fail(const std::string &what)
{
    throw std::runtime_error("cannot drop capabilities: " + what + ": " + std::strerror(errno));
}

} // namespace

std::string effective_capabilities_text()
{
    CapPtr caps(cap_get_proc());
    if (!caps)
        return "unknown";
    CapText text(cap_to_text(caps.get(), nullptr));
    return text ? text.get() : "unknown";
}

std::string drop_capabilities_except(const std::string &keep)
{
    CapPtr listed(cap_from_text(("= " + keep + "+p").c_str()));
    if (!listed)
        fail("bad capability list '" + keep + "'");
    CapPtr current(cap_get_proc());
    if (!current)
        fail("cap_get_proc");
    // Kept: what is listed and held now (a non-root user with file
    // capabilities may hold fewer).  Everything else goes.
    CapPtr wanted(cap_init());
    cap_flag_value_t have_setpcap = CAP_CLEAR;
    cap_get_flag(current.get(), CAP_SETPCAP, CAP_EFFECTIVE, &have_setpcap);
    for (cap_value_t c = 0; c < static_cast<cap_value_t>(cap_max_bits()); ++c) {
        cap_flag_value_t in_list = CAP_CLEAR, held = CAP_CLEAR;
        cap_get_flag(listed.get(), c, CAP_PERMITTED, &in_list);
        cap_get_flag(current.get(), c, CAP_PERMITTED, &held);
        if (in_list == CAP_SET && held == CAP_SET) {
            cap_set_flag(wanted.get(), CAP_PERMITTED, 1, &c, CAP_SET);
            cap_set_flag(wanted.get(), CAP_EFFECTIVE, 1, &c, CAP_SET);
        } else if (have_setpcap == CAP_SET && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) != 0) {
            // The bounding set first: removing from it needs CAP_SETPCAP, dropped below.
            fail("cap_drop_bound");
        }
    }
    if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() != 0)
        fail("cap_reset_ambient");
    // Linked with libpsx, this changes every thread of the process (sink and
    // metrics threads exist already), not only the calling one.
    if (cap_set_proc(wanted.get()) != 0)
        fail("cap_set_proc");
    return effective_capabilities_text();
}

} // namespace tl
