// The initial stack of a new program (System V x86-64 psABI, section
// "Process Initialization"; issue 4 item 4): what exec writes at the top
// of the new user stack before the first user instruction runs, and what
// the C library's start routine (glibc's _start/__libc_start_main, musl's
// _start_c/__init_libc) reads.
//
// Exec copies argv and envp from the old address space into kernel memory
// (they die with it), builds the image here into a kernel buffer that
// stands for the top of the new stack, copies the result to the new stack
// and starts the thread with rsp = stack_pointer and rdx = 0 (no rtld_fini).
//
// Layout, from high addresses down, as Linux's create_elf_tables() and
// copy_strings() make it (without Linux's random shift of the stack):
//
//   stack_top - 8      one NULL word
//                      AT_EXECFN string
//                      envp strings, envp[0] lowest; argv strings below them
//                      (align down to 16)
//                      AT_PLATFORM string ("x86_64")
//                      the 16 AT_RANDOM bytes
//                      (padding, so that the stack pointer is 16-aligned)
//                      auxv pairs ending with AT_NULL
//                      NULL, envp[envc - 1] ... envp[0]
//                      NULL, argv[argc - 1] ... argv[0]
//   stack_pointer ->   argc                            (stack_pointer % 16 == 0)
//
// The auxiliary vector lists the keys in Linux's order: AT_SYSINFO_EHDR and
// AT_MINSIGSTKSZ (each only when non-zero), AT_HWCAP, AT_PAGESZ,
// AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY,
// AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_HWCAP2,
// AT_EXECFN, AT_PLATFORM, AT_NULL.
//
// Limits are Linux's: a string longer than MAX_ARG_STRLEN (128 KiB with its
// NUL), more than MAX_ARG_STRINGS strings, or strings (execfn, envp and
// argv, NULs included) plus argv and envp pointers beyond the argument
// limit (a quarter of RLIMIT_STACK, kept within 128 KiB..6 MiB) give E2BIG.
// An empty argv becomes { "" }, as in Linux since 5.18.
//
// Host-buildable: AT_HWCAP and AT_RANDOM come from the caller (CPUID leaf 1
// EDX from arch/, bytes from the kernel's random source).
#pragma once

#include <lib/error_or.h>
#include <lib/string_view.h>
#include <lib/types.h>

struct ElfImage;

// Auxiliary vector keys (Linux's include/uapi/linux/auxvec.h and the x86
// asm/auxvec.h), named apart from <elf.h>'s AT_* macros.
namespace auxv {

constexpr u64 kNull = 0;
constexpr u64 kPhdr = 3;
constexpr u64 kPhent = 4;
constexpr u64 kPhnum = 5;
constexpr u64 kPagesz = 6;
constexpr u64 kBase = 7;
constexpr u64 kFlags = 8;
constexpr u64 kEntry = 9;
constexpr u64 kUid = 11;
constexpr u64 kEuid = 12;
constexpr u64 kGid = 13;
constexpr u64 kEgid = 14;
constexpr u64 kPlatform = 15;
constexpr u64 kHwcap = 16;
constexpr u64 kClktck = 17;
constexpr u64 kSecure = 23;
constexpr u64 kRandom = 25;
constexpr u64 kHwcap2 = 26;
constexpr u64 kExecfn = 31;
constexpr u64 kSysinfoEhdr = 33;
constexpr u64 kMinsigstksz = 51;

}

// Linux's MAX_ARG_STRLEN (32 pages, the NUL included) and MAX_ARG_STRINGS.
constexpr usize kMaxArgStringLength = 32 * 4096;
constexpr usize kMaxArgStrings = 0x7fffffff;
// The argument limit with Linux's default 8 MiB RLIMIT_STACK.
constexpr usize kDefaultArgLimit = 2 * MiB;
// The most auxv pairs initial_stack_build() writes, AT_NULL included.
constexpr usize kAuxvMaxEntries = 21;
constexpr usize kRandomBytes = 16;

// Linux's bprm_stack_limits(): a quarter of the stack limit, at least
// ARG_MAX (128 KiB), at most three quarters of _STK_LIM (6 MiB).
u64 exec_arg_limit(u64 stack_rlimit);

struct InitialStackParams {
    // Kernel copies of the strings; views need no NUL.
    StringView const* argv { nullptr };
    usize argc { 0 };
    StringView const* envp { nullptr };
    usize envc { 0 };
    // AT_EXECFN: the path given to execve (the script's own path for #!).
    StringView execfn;
    // AT_PLATFORM; omitted (with its string) when empty.
    StringView platform { "x86_64" };

    // From the ElfImage (initial_stack_set_image fills these).
    VirtAddr phdr { 0 };
    u64 phent { 56 };
    u64 phnum { 0 };
    VirtAddr entry { 0 };
    VirtAddr base { 0 }; // AT_BASE: the interpreter's base, 0 for static programs
    u64 flags { 0 };     // AT_FLAGS

    u32 uid { 0 };
    u32 euid { 0 };
    u32 gid { 0 };
    u32 egid { 0 };
    bool secure { false }; // AT_SECURE: set-user-ID or set-group-ID exec

    u64 hwcap { 0 };  // CPUID leaf 1 EDX, as Linux reports it
    u64 hwcap2 { 0 }; // Linux: bit 1 = FSGSBASE enabled for user space
    u64 page_size { 4096 };
    u64 clock_ticks { 100 }; // AT_CLKTCK: the USER_HZ times() counts in
    u8 random[kRandomBytes] {};
    VirtAddr sysinfo_ehdr { 0 }; // the vDSO, when there is one
    u64 minsigstksz { 0 };       // AT_MINSIGSTKSZ, when known

    u64 arg_limit { kDefaultArgLimit }; // exec_arg_limit(RLIMIT_STACK)
};

// Fills the program-dependent part of `params` from a parsed executable.
void initial_stack_set_image(InitialStackParams& params, ElfImage const& image);

struct InitialStack {
    VirtAddr stack_pointer; // rsp for the first instruction; points at argc
    // The bytes to copy to [stack_pointer, stack_top): they are the end of
    // the caller's buffer.
    u8 const* data;
    usize size;
    // Where things landed, for the caller's logs and for tests.
    VirtAddr argv;   // &argv[0]
    VirtAddr envp;   // &envp[0]
    VirtAddr auxv;   // the first pair
    VirtAddr random; // the AT_RANDOM bytes
    VirtAddr execfn; // the AT_EXECFN string
};

// The bytes the image needs below the stack top; E2BIG past the limits.
ErrorOr<usize> initial_stack_size(InitialStackParams const& params);

// Builds the image for a stack whose top (first byte above it) is
// `stack_top` (16-aligned, user space) into `buffer`, which stands for
// [stack_top - capacity, stack_top). E2BIG past the limits or when the
// buffer is smaller than initial_stack_size().
ErrorOr<InitialStack> initial_stack_build(InitialStackParams const& params, VirtAddr stack_top, u8* buffer, usize capacity);
