// JSON written straight into a caller's buffer, in the order the caller
// gives: no document tree, no second pass.  Strings are checked and escaped
// as they are copied, in one pass: invalid UTF-8 becomes U+FFFD (one per
// maximal subpart), C0 controls are escaped as JSON requires and C1 controls
// (U+0080..U+009F, which a terminal would act on, e.g. CSI) as \u00XX too.
//
// The caller writes keys in the order the document is to have; trace-listen
// writes them sorted, as its lines have always been.
//
// Speed (issue 11: a few thousand instructions per line): the writer keeps a
// cursor into the caller's string, grown ahead in blocks and never shrunk in
// capacity, so a member is a bounds check and a few stores instead of a
// std::string append per piece.  The string holds exactly the text written
// once the writer is finished (finish() or its destructor); read it only
// then.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "util/byte_words.hpp"
#include "util/decimal_text.hpp"

namespace tl {

// `text` as a quoted JSON string, appended.
void append_json_string(std::string &out, std::string_view text);
// The same without the quotes (a string written in pieces).
void append_json_text(std::string &out, std::string_view text);

// Decimal, appended (no locale, no allocation).
void append_decimal(std::string &out, std::uint64_t value);
void append_decimal(std::string &out, std::int64_t value);

// The cursor forms: write at `p`, which has room for the worst case
// (json_text_room(text.size()), 20 digits), and return the new end.
// \u00XX per byte at worst, and a word of slack: text is copied 8 bytes at a time.
constexpr std::size_t json_text_room(std::size_t bytes) { return 6 * bytes + 8; }
char *write_json_text(char *p, std::string_view text);
// write_decimal(p, value): util/decimal_text.hpp.

class JsonWriter {
public:
    explicit JsonWriter(std::string &out) : out_(out) { grow(0); }
    ~JsonWriter()
    {
        if (p_ != end_) // the string's size is end_: nothing to trim otherwise
            finish();
    }
    JsonWriter(const JsonWriter &) = delete;
    JsonWriter &operator=(const JsonWriter &) = delete;

    // Trims the string to what was written (the writer may go on after).
    void finish() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); end_ = p_; }

    // Values (in an array, or after key()).  The writers work on a local
    // copy of the cursor and store it once: a store through char * may
    // alias the members, which the compiler would reload after every byte.
    void begin_object() { open('{'); }
    void end_object() { put('}'); comma_ = true; }
    void begin_array() { open('['); }
    void end_array() { put(']'); comma_ = true; }
    [[gnu::always_inline]] void string(std::string_view text)
    {
        room(json_text_room(text.size()) + 3);
        char *p = comma(p_);
        *p++ = '"';
        p = write_json_text(p, text);
        *p++ = '"';
        p_ = p;
        comma_ = true;
    }
    [[gnu::always_inline]] void number(std::uint64_t value)
    {
        room(22);
        p_ = write_decimal(comma(p_), value);
        comma_ = true;
    }
    [[gnu::always_inline]] void signed_number(std::int64_t value)
    {
        room(23);
        char *p = comma(p_);
        if (value < 0) {
            *p++ = '-';
            p = write_decimal(p, std::uint64_t{0} - static_cast<std::uint64_t>(value));
        } else {
            p = write_decimal(p, static_cast<std::uint64_t>(value));
        }
        p_ = p;
        comma_ = true;
    }
    void boolean(bool value) { members(value ? std::string_view("true") : std::string_view("false")); }
    // A value serialised before (constant parts such as host.*).
    void fragment(std::string_view json) { members(json); }

    // `name` is one of ours: plain ASCII, never escaped.
    [[gnu::always_inline]] void key(std::string_view name)
    {
        room(name.size() + 4);
        p_ = put_key(p_, name);
    }

    // Members: key and value, with one bounds check for both.
    [[gnu::always_inline]] void object(std::string_view name)
    {
        room(name.size() + 5);
        char *p = put_key(p_, name);
        *p++ = '{';
        p_ = p;
    }
    [[gnu::always_inline]] void array(std::string_view name)
    {
        room(name.size() + 5);
        char *p = put_key(p_, name);
        *p++ = '[';
        p_ = p;
    }
    [[gnu::always_inline]] void text(std::string_view name, std::string_view value)
    {
        room(name.size() + 4 + json_text_room(value.size()) + 2);
        char *p = put_key(p_, name);
        *p++ = '"';
        p = write_json_text(p, value);
        *p++ = '"';
        p_ = p;
        comma_ = true;
    }
    [[gnu::always_inline]] void number(std::string_view name, std::uint64_t value)
    {
        room(name.size() + 4 + 20);
        p_ = write_decimal(put_key(p_, name), value);
        comma_ = true;
    }
    void signed_number(std::string_view name, std::int64_t value) { key(name); signed_number(value); }
    void boolean(std::string_view name, bool value) { key(name); boolean(value); }
    void fragment(std::string_view name, std::string_view json)
    {
        room(name.size() + 4 + json.size());
        char *p = put_key(p_, name);
        byte_words::copy_small(p, json.data(), json.size());
        p_ = p + json.size();
        comma_ = true;
    }
    // A value of ours that needs no escaping (names from our tables,
    // addresses as inet_ntop writes them): copied without the check.
    [[gnu::always_inline]] void plain_text(std::string_view name, std::string_view value)
    {
        room(name.size() + 4 + value.size() + 2);
        char *p = put_key(p_, name);
        *p++ = '"';
        byte_words::copy_small(p, value.data(), value.size());
        p += value.size();
        *p++ = '"';
        p_ = p;
        comma_ = true;
    }
    [[gnu::always_inline]] void plain_string(std::string_view value)
    {
        room(value.size() + 3);
        char *p = comma(p_);
        *p++ = '"';
        byte_words::copy_small(p, value.data(), value.size());
        p += value.size();
        *p++ = '"';
        p_ = p;
        comma_ = true;
    }

    // A number written as a JSON string ("33"), as ECS ids are.
    [[gnu::always_inline]] void quoted_decimal(std::string_view name, std::uint64_t value)
    {
        room(name.size() + 4 + 22);
        char *p = put_key(p_, name);
        *p++ = '"';
        p = write_decimal(p, value);
        *p++ = '"';
        p_ = p;
        comma_ = true;
    }
    // "name":{"ip":"IP","port":PORT}, an endpoint as ECS and OCSF write it,
    // in one go; `ip` as inet_ntop writes it (nothing to escape).
    void ip_port(std::string_view name, std::string_view ip, std::uint16_t port)
    {
        room(name.size() + ip.size() + 32);
        char *p = put_key(p_, name);
        std::memcpy(p, "{\"ip\":\"", 7);
        p += 7;
        byte_words::copy_small(p, ip.data(), ip.size());
        p += ip.size();
        std::memcpy(p, "\",\"port\":", 9);
        p = write_decimal(p + 9, port);
        *p++ = '}';
        p_ = p;
        comma_ = true;
    }
    // "name":"2023-11-14T22:13:20.123456789Z" (format/time_text.hpp).
    void timestamp(std::string_view name, std::int64_t wall_ns);
    // Members serialised before ("a":1,"b":2), written as they are.
    void members(std::string_view json)
    {
        room(json.size() + 1);
        char *p = comma(p_);
        byte_words::copy_small(p, json.data(), json.size());
        p_ = p + json.size();
        comma_ = true;
    }

    // A string value written in pieces: open, pieces, close.
    void begin_string(std::string_view name)
    {
        room(name.size() + 5);
        char *p = put_key(p_, name);
        *p++ = '"';
        p_ = p;
    }
    void string_piece(std::string_view text)
    {
        room(json_text_room(text.size()));
        p_ = write_json_text(p_, text);
    }
    void end_string() { put('"'); comma_ = true; }

    // Bytes written as they are, no separator (a line's '\n', a member
    // list's tail).
    [[gnu::always_inline]] void raw(std::string_view bytes)
    {
        room(bytes.size());
        std::memcpy(p_, bytes.data(), bytes.size());
        p_ += bytes.size();
    }
    void value_written() { comma_ = true; }

private:
    // "name": after a comma when one is due, at `p`; the room checked by
    // the caller.  Returns the new end.
    [[gnu::always_inline]] char *put_key(char *p, std::string_view name)
    {
        p = comma(p);
        *p++ = '"';
        std::memcpy(p, name.data(), name.size());
        p += name.size();
        std::memcpy(p, "\":", 2);
        comma_ = false;
        return p + 2;
    }
    // A ',' at `p` when one is due.
    // '{' or '[', after a comma if one is due; its first member needs none.
    void open(char bracket)
    {
        room(2);
        char *p = comma(p_);
        *p++ = bracket;
        p_ = p;
        comma_ = false;
    }
    [[gnu::always_inline]] char *comma(char *p)
    {
        if (comma_)
            *p++ = ',';
        return p;
    }
    void separate()
    {
        if (comma_)
            put(',');
    }
    [[gnu::always_inline]] void put(char c)
    {
        room(1);
        *p_++ = c;
    }
    [[gnu::always_inline]] void room(std::size_t n)
    {
        if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]]
            grow(n);
    }
    void grow(std::size_t n);

    std::string &out_;
    char *p_ = nullptr;
    char *end_ = nullptr;
    bool comma_ = false;
};

} // namespace tl
