// libFuzzer: any bytes as a record file.  The reader must report damage and
// go on, never crash, hang or allocate without bound; what it accepts, every
// output format must be able to show.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "support/line_documents.hpp"
#include "pipeline/line_format.hpp"
#include "record/record_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    int fd = memfd_create("record", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    std::size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            break;
        off += static_cast<std::size_t>(n);
    }
    lseek(fd, 0, SEEK_SET);
    try {
        std::size_t damage = 0;
        tl::record::RecordReader reader(fd, "fuzz", [&](const tl::record::RecordDamage &d) {
            damage += d.text().size() > 0;
        });
        // Every record that decodes is also shown, as replay does: the
        // formatters must take whatever the reader accepted.
        static auto table = tl::make_line_format("table");
        static auto ocsf = tl::make_line_format("ocsf");
        std::size_t entries = 0;
        while (auto entry = reader.next()) {
            ++entries;
            if (auto *e = std::get_if<tl::Event>(&*entry)) {
                tl::ecs_document(*e);
                table->event(*e);
                ocsf->event(*e);
            } else if (auto *d = std::get_if<tl::DropReport>(&*entry)) {
                tl::ecs_drop_document(*d);
                table->drops(*d);
            }
        }
        reader.finish();
    } catch (const tl::record::RecordFileError &) {
        // not a record file: a clear error is the right answer
    }
    return 0;
}
