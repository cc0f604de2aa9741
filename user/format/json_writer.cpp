#include "format/json_writer.hpp"

#include <algorithm>
#include <cstring>

#include "format/time_text.hpp"
#include "util/byte_words.hpp"
#include "util/utf8.hpp"

namespace tl {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

char *write_u00(char *p, unsigned char c)
{
    const char esc[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15]};
    std::memcpy(p, esc, 6);
    return p + 6;
}

// Bytes copied as they are: printable ASCII except '"' and '\'.
constexpr bool plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// The high bit of each byte of `word` that is not plain(); exact for the
// lowest such byte (the borrow tricks may also mark bytes above it).
inline std::uint64_t not_plain(std::uint64_t word)
{
    using namespace byte_words;
    return (word & highs) | bytes_below(word, 0x20) | bytes_equal(word, '"') | bytes_equal(word, '\\');
}

} // namespace

char *write_json_text(char *p, std::string_view text)
{
    const char *s = text.data();
    const std::size_t n = text.size();
    std::size_t i = 0;
    if (n < 8) { // most names and arguments: one word, one check
        if (n == 0)
            return p;
        const std::uint64_t word = byte_words::short_word(s, n, ' '); // spaces above: plain
        if (!not_plain(word)) {
            std::memcpy(p, &word, 8);
            return p + n;
        }
    }
    while (i < n) {
        // Eight bytes at a time: copied, then kept up to the first that
        // needs care (the room has space for the whole word).
        while (i + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, s + i, 8);
            std::memcpy(p, &word, 8);
            std::uint64_t mark = not_plain(word);
            if (mark) {
                auto k = static_cast<std::size_t>(__builtin_ctzll(mark) >> 3); // little-endian
                p += k;
                i += k;
                goto special;
            }
            p += 8;
            i += 8;
        }
        if (i < n && n >= 8) {
            // The last 1..7 bytes: the string's last word, shifted so that
            // they come first (zeros above them read as controls, past the end).
            const std::size_t done = i - (n - 8), left = n - i;
            std::uint64_t word;
            std::memcpy(&word, s + n - 8, 8);
            word >>= 8 * done;
            std::memcpy(p, &word, 8);
            const std::uint64_t mark = not_plain(word);
            const auto k = static_cast<std::size_t>(__builtin_ctzll(mark) >> 3); // mark != 0: the zeros
            if (k >= left) {
                p += left;
                break;
            }
            p += k;
            i += k;
        } else {
            while (i < n && plain(static_cast<unsigned char>(s[i])))
                *p++ = s[i++];
            if (i == n)
                break;
        }
    special: {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
            case '"': *p++ = '\\'; *p++ = '"'; break;
            case '\\': *p++ = '\\'; *p++ = '\\'; break;
            case '\b': *p++ = '\\'; *p++ = 'b'; break;
            case '\f': *p++ = '\\'; *p++ = 'f'; break;
            case '\n': *p++ = '\\'; *p++ = 'n'; break;
            case '\r': *p++ = '\\'; *p++ = 'r'; break;
            case '\t': *p++ = '\\'; *p++ = 't'; break;
            default: p = write_u00(p, c); break;
            }
            ++i;
            continue;
        }
        Utf8Step step = utf8_step(text, i);
        if (!step.valid) {
            std::memcpy(p, "\xEF\xBF\xBD", 3);
            p += 3;
        } else if (step.cp < 0xA0) { // C1 control
            p = write_u00(p, static_cast<unsigned char>(step.cp));
        } else {
            std::memcpy(p, s + i, step.length);
            p += step.length;
        }
        i += step.length;
    }
    }
    return p;
}

void append_json_string(std::string &out, std::string_view text)
{
    JsonWriter w(out);
    w.string(text);
}

void append_json_text(std::string &out, std::string_view text)
{
    JsonWriter w(out);
    w.string_piece(text);
}

void append_decimal(std::string &out, std::uint64_t value)
{
    char buf[20];
    out.append(buf, static_cast<std::size_t>(write_decimal(buf, value) - buf));
}

void append_decimal(std::string &out, std::int64_t value)
{
    if (value < 0) {
        out += '-';
        append_decimal(out, static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(value));
    } else {
        append_decimal(out, static_cast<std::uint64_t>(value));
    }
}

void JsonWriter::timestamp(std::string_view name, std::int64_t wall_ns)
{
    key(name);
    room(rfc3339_room + 2);
    *p_++ = '"';
    p_ = write_rfc3339_utc(p_, wall_ns);
    *p_++ = '"';
    comma_ = true;
}

void JsonWriter::grow(std::size_t n)
{
    // The string's size runs ahead of the text (zero bytes, trimmed by
    // finish()); its capacity, reused from line to line, is never given back.
    std::size_t at = p_ ? static_cast<std::size_t>(p_ - out_.data()) : out_.size();
    std::size_t want = std::max({at + n, out_.capacity(), out_.size() + out_.size() / 2, std::size_t{512}});
    out_.resize(want);
    p_ = out_.data() + at;
    end_ = out_.data() + out_.size();
}

} // namespace tl
