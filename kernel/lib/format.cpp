// Implementation of vformat()/format(); see format.h.
#include <lib/format.h>

namespace {

struct Sink {
    char* buffer;
    size_t size;
    size_t length { 0 };

    void put(char c)
    {
        if (length + 1 < size)
            buffer[length] = c;
        ++length;
    }
    void repeat(char c, int count)
    {
        for (int i = 0; i < count; ++i)
            put(c);
    }
};

struct Spec {
    bool left { false };
    bool zero { false };
    bool plus { false };
    bool space { false };
    bool alternate { false };
    int width { 0 };
    int precision { -1 };
};

void put_string(Sink& sink, Spec const& spec, const char* s)
{
    if (!s)
        s = "(null)";
    int len = 0;
    while (s[len] && (spec.precision < 0 || len < spec.precision))
        ++len;
    int pad = spec.width > len ? spec.width - len : 0;
    if (!spec.left)
        sink.repeat(' ', pad);
    for (int i = 0; i < len; ++i)
        sink.put(s[i]);
    if (spec.left)
        sink.repeat(' ', pad);
}

void put_number(Sink& sink, Spec spec, u64 magnitude, bool negative, unsigned base, bool upper, const char* prefix)
{
    char digits[24];
    int count = 0;
    const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[count++] = alphabet[magnitude % base];
        magnitude /= base;
    } while (magnitude);
    if (spec.precision == 0 && count == 1 && digits[0] == '0')
        count = 0;

    char sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : 0;
    int prefix_len = 0;
    while (prefix && prefix[prefix_len])
        ++prefix_len;
    int zeros = spec.precision > count ? spec.precision - count : 0;
    int body = count + zeros + prefix_len + (sign ? 1 : 0);
    int pad = spec.width > body ? spec.width - body : 0;
    if (spec.zero && !spec.left && spec.precision < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!spec.left)
        sink.repeat(' ', pad);
    if (sign)
        sink.put(sign);
    for (int i = 0; i < prefix_len; ++i)
        sink.put(prefix[i]);
    sink.repeat('0', zeros);
    while (count)
        sink.put(digits[--count]);
    if (spec.left)
        sink.repeat(' ', pad);
}

}

size_t vformat(char* buffer, size_t size, const char* fmt, va_list args)
{
    Sink sink { buffer, size };
    for (const char* p = fmt; *p; ++p) {
        if (*p != '%') {
            sink.put(*p);
            continue;
        }
        ++p;
        Spec spec;
        for (;; ++p) {
            if (*p == '-') spec.left = true;
            else if (*p == '0') spec.zero = true;
            else if (*p == '+') spec.plus = true;
            else if (*p == ' ') spec.space = true;
            else if (*p == '#') spec.alternate = true;
            else break;
        }
        if (*p == '*') {
            spec.width = va_arg(args, int);
            if (spec.width < 0) {
                spec.left = true;
                spec.width = -spec.width;
            }
            ++p;
        } else {
            while (*p >= '0' && *p <= '9')
                spec.width = spec.width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            ++p;
            spec.precision = 0;
            if (*p == '*') {
                spec.precision = va_arg(args, int);
                ++p;
            } else {
                while (*p >= '0' && *p <= '9')
                    spec.precision = spec.precision * 10 + (*p++ - '0');
            }
        }
        int longness = 0; // -2 hh, -1 h, 0 int, 1 long, 2 long long / size_t
        for (;; ++p) {
            if (*p == 'h') --longness;
            else if (*p == 'l') ++longness;
            else if (*p == 'z' || *p == 'j' || *p == 't') longness = 2;
            else break;
        }
        auto signed_arg = [&]() -> i64 {
            if (longness >= 1) return longness == 1 ? va_arg(args, long) : va_arg(args, long long);
            int v = va_arg(args, int);
            if (longness == -1) return static_cast<short>(v);
            if (longness <= -2) return static_cast<signed char>(v);
            return v;
        };
        auto unsigned_arg = [&]() -> u64 {
            if (longness >= 1) return longness == 1 ? va_arg(args, unsigned long) : va_arg(args, unsigned long long);
            unsigned v = va_arg(args, unsigned);
            if (longness == -1) return static_cast<unsigned short>(v);
            if (longness <= -2) return static_cast<unsigned char>(v);
            return v;
        };
        switch (*p) {
        case 'd':
        case 'i': {
            i64 v = signed_arg();
            u64 magnitude = v < 0 ? static_cast<u64>(0) - static_cast<u64>(v) : static_cast<u64>(v);
            put_number(sink, spec, magnitude, v < 0, 10, false, nullptr);
            break;
        }
        case 'u':
            put_number(sink, spec, unsigned_arg(), false, 10, false, nullptr);
            break;
        case 'x':
        case 'X': {
            u64 v = unsigned_arg();
            const char* prefix = spec.alternate && v ? (*p == 'x' ? "0x" : "0X") : nullptr;
            put_number(sink, spec, v, false, 16, *p == 'X', prefix);
            break;
        }
        case 'o':
            put_number(sink, spec, unsigned_arg(), false, 8, false, spec.alternate ? "0" : nullptr);
            break;
        case 'p': {
            spec.alternate = true;
            put_number(sink, spec, reinterpret_cast<uptr>(va_arg(args, void*)), false, 16, false, "0x");
            break;
        }
        case 'c': {
            char c = static_cast<char>(va_arg(args, int));
            char s[2] = { c, 0 };
            put_string(sink, spec, s);
            break;
        }
        case 's':
            put_string(sink, spec, va_arg(args, const char*));
            break;
        case '%':
            sink.put('%');
            break;
        case '\0':
            --p; // a lone '%' at the end: print nothing more
            break;
        default:
            sink.put('%');
            sink.put(*p);
            break;
        }
    }
    if (size > 0)
        buffer[sink.length < size ? sink.length : size - 1] = 0;
    return sink.length;
}

size_t format(char* buffer, size_t size, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    size_t n = vformat(buffer, size, fmt, args);
    va_end(args);
    return n;
}
