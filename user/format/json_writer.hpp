// JSON written straight into a caller's buffer, in the order the caller
// gives: no document tree, no second pass.  Strings are checked and escaped
// as they are copied, in one pass: invalid UTF-8 becomes U+FFFD (one per
// maximal subpart), C0 controls are escaped as JSON requires and C1 controls
// (U+0080..U+009F, which a terminal would act on, e.g. CSI) as \u00XX too.
//
// The caller writes keys in the order the document is to have; trace-listen
// writes them sorted, as its lines have always been.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tl {

// `text` as a quoted JSON string, appended.
void append_json_string(std::string &out, std::string_view text);
// The same without the quotes (a string written in pieces).
void append_json_text(std::string &out, std::string_view text);

// Decimal, appended (no locale, no allocation).
void append_decimal(std::string &out, std::uint64_t value);
void append_decimal(std::string &out, std::int64_t value);

class JsonWriter {
public:
    explicit JsonWriter(std::string &out) : out_(out) {}

    // Values (in an array, or after key()).
    void begin_object() { separate(); out_ += '{'; comma_ = false; }
    void end_object() { out_ += '}'; comma_ = true; }
    void begin_array() { separate(); out_ += '['; comma_ = false; }
    void end_array() { out_ += ']'; comma_ = true; }
    void string(std::string_view text) { separate(); append_json_string(out_, text); comma_ = true; }
    void number(std::uint64_t value) { separate(); append_decimal(out_, value); comma_ = true; }
    void signed_number(std::int64_t value) { separate(); append_decimal(out_, value); comma_ = true; }
    void boolean(bool value) { separate(); out_ += value ? "true" : "false"; comma_ = true; }
    // A value serialised before (constant parts such as host.*).
    void fragment(std::string_view json) { separate(); out_ += json; comma_ = true; }

    // `name` is one of ours: plain ASCII, never escaped.
    void key(std::string_view name)
    {
        char buf[64]; // our keys are short; a longer one takes the slow way
        if (name.size() + 4 > sizeof buf) {
            separate();
            out_ += '"';
            out_ += name;
            out_ += "\":";
        } else {
            char *p = buf;
            if (comma_)
                *p++ = ',';
            *p++ = '"';
            std::memcpy(p, name.data(), name.size());
            p += name.size();
            *p++ = '"';
            *p++ = ':';
            out_.append(buf, static_cast<std::size_t>(p - buf));
        }
        comma_ = false;
    }

    // Members: key and value.
    void object(std::string_view name) { key(name); begin_object(); }
    void array(std::string_view name) { key(name); begin_array(); }
    void text(std::string_view name, std::string_view value) { key(name); string(value); }
    void number(std::string_view name, std::uint64_t value) { key(name); number(value); }
    void signed_number(std::string_view name, std::int64_t value) { key(name); signed_number(value); }
    void boolean(std::string_view name, bool value) { key(name); boolean(value); }
    void fragment(std::string_view name, std::string_view json) { key(name); fragment(json); }

    // A number written as a JSON string ("33"), as ECS ids are.
    void quoted_decimal(std::string_view name, std::uint64_t value)
    {
        key(name);
        out_ += '"';
        append_decimal(out_, value);
        out_ += '"';
        comma_ = true;
    }
    // Members serialised before ("a":1,"b":2), written as they are.
    void members(std::string_view json)
    {
        separate();
        out_ += json;
        comma_ = true;
    }

    // For values appended to buffer() by hand: call after each.
    std::string &buffer() { return out_; }
    void value_written() { comma_ = true; }

private:
    void separate()
    {
        if (comma_)
            out_ += ',';
    }
    std::string &out_;
    bool comma_ = false;
};

} // namespace tl
