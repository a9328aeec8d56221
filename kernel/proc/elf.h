// ELF64 executables: reading and checking the file headers of a program
// before exec maps it (CONCEPTS C2; issue 4 item 4). Haneul runs static
// Linux x86-64 binaries: ET_EXEC (gcc -static, musl-gcc -static) and
// static-PIE ET_DYN (gcc -static-pie). A dynamically linked program (one
// with PT_INTERP) is refused with ENOEXEC and a message naming the
// interpreter it asked for.
//
// The caller is exec (kernel/proc/, once user mode exists): it opens the
// file, wraps it in an ElfFile, calls elf_parse(), and on success maps
// every page of image.segments with the protection elf_page_flags() gives
// and the contents elf_read_page() gives (or demand-pages them through the
// same two calls), sets up the stack with proc/initial_stack.h from the
// image's entry, phdr_address and phdr_count, and starts the thread at
// image.entry. Nothing here maps, allocates or logs; a failure comes with
// a one-line reason in an ElfDiagnostic for the caller to log.
//
// The file is untrusted: every offset and size is checked against the file
// size before it is read, sums are checked for wraparound, and nothing is
// read outside what ElfFile::read_at hands back. Errors follow Linux where
// it reports one before the point of no return (ENOEXEC for a header it
// does not accept); where Linux only fails later, while mapping (and kills
// the half-exec'd process), Haneul fails up front with the errno that
// mapping step would have produced: EINVAL for filesz > memsz, a segment or
// entry point outside the user half, and p_offset/p_vaddr that are not
// congruent modulo the page size. Checks Linux does not make at all give
// ENOEXEC: not ELFCLASS64/little-endian, no PT_LOAD, overlapping segments,
// two segments sharing a page with different file pages behind it, segment
// data past the end of the file, more than kElfMaxLoadSegments segments.
//
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>
#include <mm/layout.h>

// The on-disk format (System V gABI, ELF-64 and the x86-64 psABI). Names
// differ from <elf.h>'s macros so that host tests can include both.
namespace elf {

constexpr u8 kMagic[4] = { 0x7f, 'E', 'L', 'F' };
constexpr usize kIdentClass = 4;
constexpr usize kIdentData = 5;
constexpr u8 kClass64 = 2;
constexpr u8 kDataLittleEndian = 1;

constexpr u16 kTypeExec = 2; // ET_EXEC: linked at fixed addresses
constexpr u16 kTypeDyn = 3;  // ET_DYN: position independent (static-PIE here)
constexpr u16 kMachineX86_64 = 62;

constexpr u32 kSegmentLoad = 1;
constexpr u32 kSegmentDynamic = 2;
constexpr u32 kSegmentInterp = 3;
constexpr u32 kSegmentNote = 4;
constexpr u32 kSegmentPhdr = 6;
constexpr u32 kSegmentTls = 7;
constexpr u32 kSegmentGnuStack = 0x6474e551;

constexpr u32 kFlagExecute = 1;
constexpr u32 kFlagWrite = 2;
constexpr u32 kFlagRead = 4;

struct FileHeader {
    u8 ident[16];
    u16 type;
    u16 machine;
    u32 version;
    u64 entry;
    u64 phoff; // file offset of the program header table
    u64 shoff;
    u32 flags;
    u16 ehsize;
    u16 phentsize;
    u16 phnum;
    u16 shentsize;
    u16 shnum;
    u16 shstrndx;
};
static_assert(sizeof(FileHeader) == 64);

struct ProgramHeader {
    u32 type;
    u32 flags;
    u64 offset;
    u64 vaddr;
    u64 paddr;
    u64 filesz;
    u64 memsz;
    u64 align;
};
static_assert(sizeof(ProgramHeader) == 56);

}

// Where ET_DYN programs go when the caller has no other wish: Linux's
// ELF_ET_DYN_BASE on x86-64 (two thirds of the user half, page aligned),
// where Linux puts a PIE with an interpreter. (Linux 6.x maps an ET_DYN
// without PT_INTERP, a static PIE, in the mmap area instead and moves its
// brk to ELF_ET_DYN_BASE; exec can do the same by passing the mmap base as
// dyn_base and choosing brk itself. The default keeps the image and its
// brk together.)
constexpr VirtAddr kElfDefaultDynBase = 0x555555554000ull;
// The end of what a program may map: Linux's TASK_SIZE, one page below the
// end of the user half. Keeping the top page unmapped means a `syscall` at
// the very end of user space can never make sysret return to the
// non-canonical address that follows it (which faults in ring 0 on Intel).
constexpr VirtAddr kElfUserEnd = mm::kUserEnd - mm::kPageSize;
// The lowest address a segment may use: Linux's default vm.mmap_min_addr,
// so that a null pointer dereference always faults.
constexpr VirtAddr kElfUserStart = 0x10000;
// Linux reads at most one page of program headers (ELF_MIN_ALIGN), which
// caps e_phnum at 73.
constexpr usize kElfMaxProgramHeadersSize = 4096;
// Real static binaries have four PT_LOAD segments (R, RX, R, RW) or fewer;
// a fixed table keeps ElfImage free of allocation.
constexpr usize kElfMaxLoadSegments = 16;

// The executable as exec reads it. Implemented over an open file (VFS) in
// the kernel and over memory in tests.
class ElfFile {
public:
    // Copies up to `size` bytes at `offset` into `buffer` and returns how
    // many were copied; fewer than asked only at the end of the file.
    virtual ErrorOr<usize> read_at(u64 offset, void* buffer, usize size) const = 0;
    virtual u64 size() const = 0;

protected:
    // Not virtual: files are never deleted through this interface.
    ~ElfFile() = default;
};

// An ElfFile over bytes already in memory (an initramfs entry, a test).
class ElfMemoryFile final : public ElfFile {
public:
    ElfMemoryFile(u8 const* data, usize size)
        : m_data(data)
        , m_size(size)
    {
    }
    ErrorOr<usize> read_at(u64 offset, void* buffer, usize size) const override;
    u64 size() const override { return m_size; }

private:
    u8 const* m_data;
    usize m_size;
};

// One PT_LOAD segment, with the load bias already added to vaddr.
struct ElfSegment {
    VirtAddr vaddr;
    u64 offset;    // file offset of the byte that goes at vaddr
    u64 file_size; // bytes from the file; the rest up to memory_size is zero
    u64 memory_size;
    u64 alignment; // p_align as written (informative: only page congruence is required)
    u32 flags;     // elf::kFlagRead | kFlagWrite | kFlagExecute

    bool readable() const { return flags & elf::kFlagRead; }
    bool writable() const { return flags & elf::kFlagWrite; }
    bool executable() const { return flags & elf::kFlagExecute; }
    VirtAddr end() const { return vaddr + memory_size; }
    // The pages the segment touches, and the file page mapped at page_start().
    VirtAddr page_start() const { return align_down(vaddr, mm::kPageSize); }
    VirtAddr page_end() const { return align_up(end(), mm::kPageSize); }
    u64 file_page_offset() const { return align_down(offset, mm::kPageSize); }
    // End of the pages that come from the file (the rest are zero pages).
    VirtAddr file_page_end() const { return align_up(vaddr + file_size, mm::kPageSize); }
};

// The PT_TLS template, recorded for completeness: the C library reads it
// through AT_PHDR and sets up thread-local storage itself.
struct ElfTls {
    bool present;
    VirtAddr vaddr; // biased
    u64 file_size;
    u64 memory_size;
    u64 alignment;
};

struct ElfImage {
    u16 type; // elf::kTypeExec or elf::kTypeDyn
    // Added to every p_vaddr: 0 for ET_EXEC, the chosen base for ET_DYN.
    VirtAddr load_bias;
    VirtAddr entry; // biased e_entry: where the first user instruction is
    // AT_PHDR: where the program headers are in memory (from the PT_LOAD
    // holding e_phoff, as Linux finds it, else PT_PHDR), or 0 when no
    // segment maps them.
    VirtAddr phdr_address;
    u16 phdr_entry_size; // AT_PHENT
    u16 phdr_count;      // AT_PHNUM
    // Page-aligned span of all segments; image_end is where brk starts.
    VirtAddr image_start;
    VirtAddr image_end;
    VirtAddr brk_start;
    // PT_GNU_STACK: present, and with PF_X. Without it the stack is not
    // executable either (x86-64 Linux since 5.8).
    bool has_gnu_stack;
    bool executable_stack;
    ElfTls tls;
    // PT_LOAD segments with a non-zero p_memsz, sorted by address.
    ElfSegment segments[kElfMaxLoadSegments];
    usize segment_count;
};

struct ElfParseOptions {
    // Where an ET_DYN's lowest segment goes (page aligned; aligned further
    // down to the largest power-of-two p_align, as Linux does). Exec may
    // pass a randomized base.
    VirtAddr dyn_base { kElfDefaultDynBase };
    VirtAddr user_start { kElfUserStart };
    VirtAddr user_end { kElfUserEnd };
};

// Why a parse failed, for the log: "dynamically linked programs need an
// interpreter (/lib64/ld-linux-x86-64.so.2); Haneul runs static binaries".
struct ElfDiagnostic {
    char text[192];
};

// Reads and checks the headers of `file` and fills `image`. ENOEXEC for a
// file that is not a static x86-64 ELF executable (including any program
// with PT_INTERP), EINVAL for segments Linux's mmap would refuse, or the
// error of file.read_at(). On failure `image` is unspecified and
// `diagnostic` (when given) says why.
ErrorOr<void> elf_parse(ElfFile const& file, ElfImage& image, ElfParseOptions const& options = {},
    ElfDiagnostic* diagnostic = nullptr);

// True when the first bytes of a file are the ELF magic (so exec picks this
// loader before trying #! scripts).
bool elf_has_magic(u8 const* head, usize size);

// The protection of the user page at `page` (page aligned): the union of the
// flags of every segment whose pages include it, 0 when none does.
u32 elf_page_flags(ElfImage const& image, VirtAddr page);

// Fills `buffer` (one page) with what the page at `page` holds when the
// program starts, exactly as Linux's loader leaves it: the file page behind
// it for the pages of a segment's file data (zero past the end of the
// file), zeros from the end of p_filesz to the end of that page when the
// segment has a bss, and zero pages for the rest of p_memsz. A page no
// segment touches is all zeros. Errors are file.read_at()'s.
ErrorOr<void> elf_read_page(ElfFile const& file, ElfImage const& image, VirtAddr page, u8* buffer);
