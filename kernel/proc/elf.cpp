// The ELF64 header reader and page filler (elf.h). Called by exec, and by
// tests/host/elf_test.cpp, which checks it against real gcc and musl
// binaries, against what Linux's own loader put in memory, and against
// malformed files.
//
// The program headers are read one at a time (at most 73 of them); the
// parser needs about 1.2 KiB of stack (the raw PT_LOAD table) and no heap. Every comparison
// against untrusted sizes is written as `size > limit - offset` after
// checking `offset <= limit`, so that no sum can wrap.
#include <lib/format.h>
#include <lib/string.h>
#include <proc/elf.h>
#include <stdarg.h>

namespace {

constexpr u64 kPage = mm::kPageSize;

// A PT_LOAD as read, before the bias, with its index for messages.
struct RawLoad {
    elf::ProgramHeader header;
    u16 index;
};

// What one pass over the program headers finds. Checking waits until the
// pass is over, so that PT_INTERP is reported whatever follows it.
struct Scan {
    bool has_interp;
    u64 interp_offset;
    u64 interp_size;
    bool has_phdr;
    u64 phdr_vaddr;
    bool phdr_from_load;
    u64 phdr_load_vaddr; // unbiased address of e_phoff inside a PT_LOAD
    bool has_gnu_stack;
    bool executable_stack;
    bool has_tls;
    elf::ProgramHeader tls;
    u64 max_alignment; // largest power-of-two p_align of a PT_LOAD
    usize load_count;  // every PT_LOAD; the first kElfMaxLoadSegments are in `loads`
    RawLoad loads[kElfMaxLoadSegments];
};

Error fail(ElfDiagnostic* diagnostic, int code, const char* fmt, ...) PRINTF_FORMAT(3, 4);
Error fail(ElfDiagnostic* diagnostic, int code, const char* fmt, ...)
{
    if (diagnostic) {
        va_list args;
        va_start(args, fmt);
        vformat(diagnostic->text, sizeof(diagnostic->text), fmt, args);
        va_end(args);
    }
    return Error::from_errno(code);
}

unsigned long long ull(u64 value) { return value; }

constexpr bool is_power_of_two(u64 value) { return value && !(value & (value - 1)); }

ErrorOr<void> read_exact(ElfFile const& file, u64 offset, void* buffer, usize size, ElfDiagnostic* diagnostic, const char* what)
{
    usize got = TRY(file.read_at(offset, buffer, size));
    VERIFY(got <= size);
    if (got != size)
        return fail(diagnostic, ENOEXEC, "the %s at offset 0x%llx is cut off by the end of the file", what, ull(offset));
    return {};
}

ErrorOr<void> check_header(elf::FileHeader const& header, u64 file_size, ElfDiagnostic* diagnostic)
{
    if (memcmp(header.ident, elf::kMagic, sizeof(elf::kMagic)) != 0)
        return fail(diagnostic, ENOEXEC, "not an ELF file");
    if (header.ident[elf::kIdentClass] != elf::kClass64 || header.ident[elf::kIdentData] != elf::kDataLittleEndian)
        return fail(diagnostic, ENOEXEC, "not a 64-bit little-endian ELF file (class %u, data %u)",
            header.ident[elf::kIdentClass], header.ident[elf::kIdentData]);
    if (header.type != elf::kTypeExec && header.type != elf::kTypeDyn)
        return fail(diagnostic, ENOEXEC, "ELF type %u is not an executable (ET_EXEC or ET_DYN)", header.type);
    if (header.machine != elf::kMachineX86_64)
        return fail(diagnostic, ENOEXEC, "ELF machine %u is not x86-64", header.machine);
    if (header.phentsize != sizeof(elf::ProgramHeader))
        return fail(diagnostic, ENOEXEC, "program header size %u is not %zu", header.phentsize, sizeof(elf::ProgramHeader));
    u64 table_size = u64(header.phnum) * sizeof(elf::ProgramHeader);
    if (header.phnum == 0 || table_size > kElfMaxProgramHeadersSize)
        return fail(diagnostic, ENOEXEC, "%u program headers (1 to %zu are accepted)", header.phnum,
            kElfMaxProgramHeadersSize / sizeof(elf::ProgramHeader));
    if (header.phoff > file_size || table_size > file_size - header.phoff)
        return fail(diagnostic, ENOEXEC, "the program headers (0x%llx bytes at 0x%llx) lie outside the file (%llu bytes)",
            ull(table_size), ull(header.phoff), ull(file_size));
    return {};
}

ErrorOr<void> scan_program_headers(ElfFile const& file, elf::FileHeader const& header, Scan& scan, ElfDiagnostic* diagnostic)
{
    for (u16 i = 0; i < header.phnum; ++i) {
        elf::ProgramHeader ph;
        TRY(read_exact(file, header.phoff + u64(i) * sizeof(ph), &ph, sizeof(ph), diagnostic, "program header table"));
        switch (ph.type) {
        case elf::kSegmentInterp:
            // The first one counts, as in Linux.
            if (!scan.has_interp) {
                scan.has_interp = true;
                scan.interp_offset = ph.offset;
                scan.interp_size = ph.filesz;
            }
            break;
        case elf::kSegmentPhdr:
            scan.has_phdr = true;
            scan.phdr_vaddr = ph.vaddr;
            break;
        case elf::kSegmentGnuStack:
            scan.has_gnu_stack = true;
            scan.executable_stack = ph.flags & elf::kFlagExecute;
            break;
        case elf::kSegmentTls:
            if (!scan.has_tls) {
                scan.has_tls = true;
                scan.tls = ph;
            }
            break;
        case elf::kSegmentLoad:
            if (is_power_of_two(ph.align) && ph.align > scan.max_alignment)
                scan.max_alignment = ph.align;
            // Linux finds AT_PHDR this way, and the last match wins there.
            if (ph.offset <= header.phoff && header.phoff - ph.offset < ph.filesz) {
                scan.phdr_from_load = true;
                scan.phdr_load_vaddr = ph.vaddr + (header.phoff - ph.offset);
            }
            if (scan.load_count < kElfMaxLoadSegments)
                scan.loads[scan.load_count] = { ph, i };
            ++scan.load_count;
            break;
        default:
            break;
        }
    }
    return {};
}

// The interpreter's path, made printable, for the refusal message. Reads
// at most `size` - 4 bytes; a path that does not fit ends in "...".
ErrorOr<void> describe_interpreter(ElfFile const& file, Scan const& scan, char* text, usize size)
{
    VERIFY(size > 4);
    text[0] = 0;
    u64 file_size = file.size();
    if (scan.interp_offset >= file_size || scan.interp_size == 0)
        return {};
    usize want = size - 4;
    if (scan.interp_size < want)
        want = scan.interp_size;
    if (file_size - scan.interp_offset < want)
        want = file_size - scan.interp_offset;
    usize got = TRY(file.read_at(scan.interp_offset, text, want));
    VERIFY(got <= want);
    usize length = 0;
    while (length < got && text[length] != 0) {
        if (text[length] < 0x20 || text[length] > 0x7e)
            text[length] = '?';
        ++length;
    }
    if (length == got && got < scan.interp_size) {
        memcpy(text + length, "...", 3);
        length += 3;
    }
    text[length] = 0;
    return {};
}

// Checks one PT_LOAD on its own: sizes, page congruence, file bounds.
ErrorOr<void> check_load(RawLoad const& load, u64 file_size, ElfDiagnostic* diagnostic)
{
    elf::ProgramHeader const& ph = load.header;
    if (ph.filesz > ph.memsz)
        return fail(diagnostic, EINVAL, "segment %u: p_filesz 0x%llx is larger than p_memsz 0x%llx", load.index,
            ull(ph.filesz), ull(ph.memsz));
    if (ph.memsz == 0)
        return {}; // maps nothing
    if (ph.offset % kPage != ph.vaddr % kPage)
        return fail(diagnostic, EINVAL, "segment %u: p_offset 0x%llx and p_vaddr 0x%llx differ modulo the page size",
            load.index, ull(ph.offset), ull(ph.vaddr));
    if (ph.offset > file_size || ph.filesz > file_size - ph.offset)
        return fail(diagnostic, ENOEXEC, "segment %u: its data (0x%llx bytes at 0x%llx) lies past the end of the file (%llu bytes)",
            load.index, ull(ph.filesz), ull(ph.offset), ull(file_size));
    if (ph.memsz > ~u64(0) - ph.vaddr)
        return fail(diagnostic, EINVAL, "segment %u: 0x%llx bytes at 0x%llx wrap around the address space", load.index,
            ull(ph.memsz), ull(ph.vaddr));
    return {};
}

// Places the segments: adds the bias, checks each against user space, sorts
// them by address and checks that they neither overlap nor disagree about
// the file page behind a page they share.
ErrorOr<void> place_segments(Scan const& scan, ElfImage& image, ElfParseOptions const& options, ElfDiagnostic* diagnostic)
{
    VERIFY(scan.load_count <= kElfMaxLoadSegments);
    u64 min_vaddr = ~u64(0);
    for (usize i = 0; i < scan.load_count; ++i) {
        elf::ProgramHeader const& ph = scan.loads[i].header;
        if (ph.memsz != 0 && ph.vaddr < min_vaddr)
            min_vaddr = ph.vaddr;
    }
    u64 bias = 0;
    if (image.type == elf::kTypeDyn) {
        u64 alignment = scan.max_alignment > kPage ? scan.max_alignment : kPage;
        // Modular arithmetic, as in Linux: a program linked high still
        // lands with its lowest segment at the base.
        bias = align_down(align_down(options.dyn_base, alignment) - min_vaddr, kPage);
    }
    image.load_bias = bias;
    // Where the lowest segment starts; every other one is above it by its
    // (unbiased, hence wrap-free) distance from the lowest.
    u64 placement = min_vaddr + bias;

    for (usize i = 0; i < scan.load_count; ++i) {
        auto const& load = scan.loads[i];
        elf::ProgramHeader const& ph = load.header;
        if (ph.memsz == 0)
            continue;
        u64 distance = ph.vaddr - min_vaddr;
        bool inside = placement <= options.user_end && distance <= options.user_end - placement;
        u64 start = inside ? placement + distance : 0;
        inside = inside && ph.memsz <= options.user_end - start && align_down(start, kPage) >= options.user_start;
        if (!inside)
            return fail(diagnostic, EINVAL, "segment %u: 0x%llx bytes at 0x%llx (load bias 0x%llx) are outside user space", load.index,
                ull(ph.memsz), ull(ph.vaddr), ull(bias));
        ElfSegment segment { start, ph.offset, ph.filesz, ph.memsz, ph.align, ph.flags & (elf::kFlagRead | elf::kFlagWrite | elf::kFlagExecute) };
        // Insertion by address keeps equal addresses in file order.
        usize at = image.segment_count;
        while (at > 0 && image.segments[at - 1].vaddr > segment.vaddr) {
            image.segments[at] = image.segments[at - 1];
            --at;
        }
        image.segments[at] = segment;
        ++image.segment_count;
    }

    for (usize i = 1; i < image.segment_count; ++i) {
        ElfSegment const& previous = image.segments[i - 1];
        ElfSegment const& next = image.segments[i];
        if (previous.end() > next.vaddr)
            return fail(diagnostic, ENOEXEC, "segments at 0x%llx-0x%llx and 0x%llx-0x%llx overlap", ull(previous.vaddr),
                ull(previous.end()), ull(next.vaddr), ull(next.end()));
    }
    // Two segments may share a page (the end of one, the start of the next)
    // only if the same file page is behind both.
    for (usize i = 0; i < image.segment_count; ++i) {
        ElfSegment const& a = image.segments[i];
        for (usize j = i + 1; j < image.segment_count; ++j) {
            ElfSegment const& b = image.segments[j];
            if (a.file_size == 0 || b.file_size == 0)
                continue;
            bool share = a.page_start() < b.file_page_end() && b.page_start() < a.file_page_end();
            if (share && a.vaddr - a.offset != b.vaddr - b.offset)
                return fail(diagnostic, ENOEXEC, "segments at 0x%llx and 0x%llx share a page but map different parts of the file",
                    ull(a.vaddr), ull(b.vaddr));
        }
    }

    image.image_start = image.segments[0].page_start();
    image.image_end = image.image_start;
    for (usize i = 0; i < image.segment_count; ++i) {
        if (image.segments[i].page_end() > image.image_end)
            image.image_end = image.segments[i].page_end();
    }
    image.brk_start = image.image_end;
    return {};
}

}

ErrorOr<usize> ElfMemoryFile::read_at(u64 offset, void* buffer, usize size) const
{
    if (offset >= m_size)
        return 0;
    usize count = size < m_size - offset ? size : m_size - offset;
    memcpy(buffer, m_data + offset, count);
    return count;
}

bool elf_has_magic(u8 const* head, usize size)
{
    return size >= sizeof(elf::kMagic) && memcmp(head, elf::kMagic, sizeof(elf::kMagic)) == 0;
}

ErrorOr<void> elf_parse(ElfFile const& file, ElfImage& image, ElfParseOptions const& options, ElfDiagnostic* diagnostic)
{
    VERIFY(is_aligned(options.dyn_base, kPage) && is_aligned(options.user_start, kPage) && is_aligned(options.user_end, kPage));
    VERIFY(options.user_end <= mm::kUserEnd);
    image = ElfImage {};
    if (diagnostic)
        diagnostic->text[0] = 0;

    u64 file_size = file.size();
    elf::FileHeader header;
    if (file_size < sizeof(header))
        return fail(diagnostic, ENOEXEC, "the file is too short for an ELF header (%llu bytes)", ull(file_size));
    TRY(read_exact(file, 0, &header, sizeof(header), diagnostic, "ELF header"));
    TRY(check_header(header, file_size, diagnostic));
    image.type = header.type;
    image.phdr_entry_size = header.phentsize;
    image.phdr_count = header.phnum;

    // About 1 KiB: the raw PT_LOAD table.
    Scan scan {};
    TRY(scan_program_headers(file, header, scan, diagnostic));
    // As in Linux, the interpreter is the first thing looked at.
    if (scan.has_interp) {
        char path[96];
        TRY(describe_interpreter(file, scan, path, sizeof(path)));
        return fail(diagnostic, ENOEXEC, "dynamically linked programs need an interpreter (%s); Haneul runs static binaries", path);
    }
    if (scan.load_count > kElfMaxLoadSegments)
        return fail(diagnostic, ENOEXEC, "%zu loadable segments (at most %zu are accepted)", scan.load_count, kElfMaxLoadSegments);
    bool loads_something = false;
    for (usize i = 0; i < scan.load_count; ++i) {
        TRY(check_load(scan.loads[i], file_size, diagnostic));
        loads_something = loads_something || scan.loads[i].header.memsz != 0;
    }
    if (!loads_something)
        return fail(diagnostic, ENOEXEC, "no loadable segment");
    TRY(place_segments(scan, image, options, diagnostic));

    image.entry = header.entry + image.load_bias;
    if (image.entry >= options.user_end)
        return fail(diagnostic, EINVAL, "entry point 0x%llx is outside user space", ull(image.entry));
    if (scan.phdr_from_load)
        image.phdr_address = scan.phdr_load_vaddr + image.load_bias;
    else if (scan.has_phdr)
        image.phdr_address = scan.phdr_vaddr + image.load_bias;
    image.has_gnu_stack = scan.has_gnu_stack;
    image.executable_stack = scan.executable_stack;
    if (scan.has_tls)
        image.tls = { true, scan.tls.vaddr + image.load_bias, scan.tls.filesz, scan.tls.memsz, scan.tls.align };
    return {};
}

u32 elf_page_flags(ElfImage const& image, VirtAddr page)
{
    u32 flags = 0;
    for (usize i = 0; i < image.segment_count; ++i) {
        ElfSegment const& segment = image.segments[i];
        if (page >= segment.page_start() && page < segment.page_end())
            flags |= segment.flags;
    }
    return flags;
}

ErrorOr<void> elf_read_page(ElfFile const& file, ElfImage const& image, VirtAddr page, u8* buffer)
{
    VERIFY(is_aligned(page, kPage));
    memset(buffer, 0, kPage);
    u64 file_size = file.size();
    for (usize i = 0; i < image.segment_count; ++i) {
        ElfSegment const& segment = image.segments[i];
        if (segment.file_size == 0 || page < segment.page_start() || page >= segment.file_page_end())
            continue;
        u64 offset = segment.file_page_offset() + (page - segment.page_start());
        if (offset < file_size) {
            usize want = file_size - offset < kPage ? file_size - offset : kPage;
            // A short read means the file shrank: the rest reads as zeros,
            // as a mapping past the end of a file does.
            usize got = TRY(file.read_at(offset, buffer, want));
            VERIFY(got <= want);
        }
        // elf_parse() made every segment with file data in this page agree
        // on the file page, so one read is the whole story.
        break;
    }
    // The bss: zero from the end of the file data to the end of that page
    // (Linux's padzero) and on to p_memsz, but never into a later segment
    // that shares the page.
    VirtAddr page_end = page + kPage;
    for (usize i = 0; i < image.segment_count; ++i) {
        ElfSegment const& segment = image.segments[i];
        if (segment.memory_size == segment.file_size)
            continue;
        VirtAddr zero_start = segment.vaddr + segment.file_size;
        VirtAddr zero_end = align_up(zero_start, kPage);
        if (segment.end() > zero_end)
            zero_end = segment.end();
        for (usize j = 0; j < image.segment_count; ++j) {
            VirtAddr other = image.segments[j].vaddr;
            if (j != i && other >= zero_start && other < zero_end)
                zero_end = other;
        }
        VirtAddr from = zero_start > page ? zero_start : page;
        VirtAddr to = zero_end < page_end ? zero_end : page_end;
        if (from < to)
            memset(buffer + (from - page), 0, to - from);
    }
    return {};
}
