// Indexing and lookup of the kernel symbol table; see symbols.h.
//
// The index is sparse: at most kMaxCheckpoints (address, line) pairs, every
// stride-th function of the text. A lookup bisects the checkpoints, then
// reads lines forward from the nearest one. A table of any size thus needs
// only a fixed 32 KiB and a lookup parses at most `stride` lines.
#include <arch/x86_64/symbols.h>
#include <lib/format.h>
#include <lib/log.h>
#include <mm/layout.h>

extern "C" char _text_end[];

namespace symbols {

namespace {

constexpr usize kMaxCheckpoints = 4096;

struct Checkpoint {
    u32 address_offset; // from mm::kKernelImageBase: the image is far below 4 GiB
    u32 text_offset;    // where the line starts in the module text
};

Checkpoint s_checkpoints[kMaxCheckpoints];
usize s_checkpoint_count;
usize s_symbol_count;
const char* s_text;
usize s_length;
VirtAddr s_first_address;

struct Line {
    VirtAddr address;
    const char* name;
    usize name_length;
};

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool is_text_symbol_type(char c) { return c == 't' || c == 'T' || c == 'w' || c == 'W'; }

// Parses the line starting at `offset`; always advances `offset` past it.
// True for a well-formed text-symbol line inside the kernel image.
bool parse_line(usize& offset, Line& line)
{
    usize start = offset;
    usize end = start;
    while (end < s_length && s_text[end] != '\n' && s_text[end] != '\0')
        ++end;
    offset = end < s_length ? end + 1 : end;

    const char* p = s_text + start;
    const char* limit = s_text + end;
    VirtAddr address = 0;
    int digits = 0;
    for (; p < limit && hex_digit(*p) >= 0; ++p, ++digits)
        address = (address << 4) | static_cast<u64>(hex_digit(*p));
    if (digits == 0 || digits > 16)
        return false;
    // " T name"
    if (limit - p < 4 || p[0] != ' ' || !is_text_symbol_type(p[1]) || p[2] != ' ')
        return false;
    p += 3;
    usize length = static_cast<usize>(limit - p);
    if (length && p[length - 1] == '\r')
        --length;
    if (length == 0)
        return false;
    if (address < mm::kKernelImageBase || address >= reinterpret_cast<VirtAddr>(_text_end))
        return false;
    line = Line { address, p, length };
    return true;
}

void reset()
{
    s_checkpoint_count = 0;
    s_symbol_count = 0;
    s_text = nullptr;
    s_length = 0;
    s_first_address = 0;
}

}

void init(const char* text, usize length)
{
    reset();
    if (!text || length == 0) {
        log_warn("symbols: no symbol table; backtraces will show raw addresses");
        return;
    }
    s_text = text;
    s_length = length;

    // Pass 1: count the usable lines and check they are in address order
    // (the bisection depends on it).
    usize count = 0, skipped = 0;
    VirtAddr previous = 0;
    for (usize offset = 0; offset < length;) {
        Line line;
        if (!parse_line(offset, line)) {
            ++skipped;
            continue;
        }
        if (line.address < previous) {
            log_warn("symbols: table out of address order near %#lx; backtraces will show raw addresses",
                line.address);
            reset();
            return;
        }
        previous = line.address;
        ++count;
    }
    if (count == 0) {
        log_warn("symbols: no usable line in %zu bytes; backtraces will show raw addresses", length);
        reset();
        return;
    }

    // Pass 2: a checkpoint every `stride` usable lines.
    usize stride = (count + kMaxCheckpoints - 1) / kMaxCheckpoints;
    usize index = 0;
    for (usize offset = 0; offset < length;) {
        usize line_start = offset;
        Line line;
        if (!parse_line(offset, line))
            continue;
        if (index % stride == 0 && s_checkpoint_count < kMaxCheckpoints) {
            s_checkpoints[s_checkpoint_count++] = Checkpoint {
                static_cast<u32>(line.address - mm::kKernelImageBase),
                static_cast<u32>(line_start),
            };
        }
        if (index == 0)
            s_first_address = line.address;
        ++index;
    }
    s_symbol_count = count;
    log_info("symbols: %zu kernel functions indexed (%zu other lines skipped)", count, skipped);
}

bool available() { return s_symbol_count != 0; }

usize count() { return s_symbol_count; }

const char* lookup(VirtAddr address, usize& offset)
{
    offset = 0;
    if (!available() || address < s_first_address || address >= reinterpret_cast<VirtAddr>(_text_end))
        return nullptr;

    // The last checkpoint at or below the address.
    usize low = 0, high = s_checkpoint_count;
    while (high - low > 1) {
        usize middle = (low + high) / 2;
        if (mm::kKernelImageBase + s_checkpoints[middle].address_offset <= address)
            low = middle;
        else
            high = middle;
    }

    Line best { 0, nullptr, 0 };
    for (usize position = s_checkpoints[low].text_offset; position < s_length;) {
        Line line;
        if (!parse_line(position, line))
            continue;
        if (line.address > address)
            break;
        best = line;
    }
    if (!best.name)
        return nullptr;
    offset = address - best.address;
    return best.name;
}

usize name_length(const char* name)
{
    if (!name)
        return 0;
    usize length = 0;
    while (name + length < s_text + s_length && name[length] != '\n' && name[length] != '\0'
        && name[length] != '\r')
        ++length;
    return length;
}

usize format_address(VirtAddr address, char* buffer, usize size)
{
    if (size == 0)
        return 0;
    usize offset = 0;
    const char* name = lookup(address, offset);
    usize written;
    if (!name) {
        written = format(buffer, size, "?");
    } else {
        usize length = name_length(name);
        bool cut = length > kMaxPrintedNameLength;
        if (cut)
            length = kMaxPrintedNameLength;
        written = format(buffer, size, "%.*s%s+0x%lx", static_cast<int>(length), name, cut ? "..." : "", offset);
    }
    return written < size ? written : size - 1;
}

}
