// The initial stack builder (initial_stack.h), called by exec and by
// tests/host/initial_stack_test.cpp, which walks the result as a C library
// would and runs real glibc and musl programs on it.
//
// One function plans the layout as distances below the stack top (the top
// is 16-aligned, so aligning an address down is aligning its distance up);
// the size query and the builder both use it, so they cannot disagree.
#include <lib/string.h>
#include <proc/elf.h>
#include <proc/initial_stack.h>

namespace {

struct AuxEntry {
    u64 key;
    u64 value;
};

struct Plan {
    StringView const* argv;
    usize argc; // at least 1: an empty argv is { "" }
    u64 argv_strings; // distance below the top of argv[0]'s string
    u64 envp_strings;
    u64 execfn;
    u64 platform; // 0 when there is no platform string
    u64 random;
    u64 total; // distance of the stack pointer
};

constexpr StringView kEmptyArgv[1] = { StringView("") };

// Sums string sizes (NULs included) into `total`, failing once the total
// passes `limit` so that nothing can overflow.
ErrorOr<void> add_strings(StringView const* strings, usize count, u64& total, u64 limit)
{
    for (usize i = 0; i < count; ++i) {
        u64 size = strings[i].length() + 1;
        if (size > kMaxArgStringLength || size > limit - total)
            return Error::from_errno(E2BIG);
        total += size;
    }
    return {};
}

usize aux_count(InitialStackParams const& params)
{
    usize count = 19; // the keys always present, AT_NULL included
    if (params.sysinfo_ehdr)
        ++count;
    if (params.minsigstksz)
        ++count;
    if (params.platform.is_empty())
        --count;
    return count;
}

ErrorOr<Plan> plan(InitialStackParams const& params)
{
    Plan plan {};
    plan.argv = params.argc ? params.argv : kEmptyArgv;
    plan.argc = params.argc ? params.argc : 1;
    if (params.argc > kMaxArgStrings || params.envc > kMaxArgStrings)
        return Error::from_errno(E2BIG);
    VERIFY(plan.argv && (params.envc == 0 || params.envp));

    u64 pointers = (u64(plan.argc) + params.envc) * sizeof(u64);
    if (params.arg_limit <= pointers)
        return Error::from_errno(E2BIG);
    u64 limit = params.arg_limit - pointers;
    u64 strings = 0;
    TRY(add_strings(&params.execfn, 1, strings, limit));
    u64 execfn_end = strings;
    TRY(add_strings(params.envp, params.envc, strings, limit));
    u64 envp_end = strings;
    TRY(add_strings(plan.argv, plan.argc, strings, limit));

    u64 distance = sizeof(u64); // the NULL word at the very top
    plan.execfn = distance + execfn_end;
    plan.envp_strings = distance + envp_end;
    plan.argv_strings = distance + strings;
    distance = align_up(plan.argv_strings, 16);
    if (!params.platform.is_empty()) {
        // Not an argument string, but bounded all the same.
        if (params.platform.length() >= 64)
            return Error::from_errno(E2BIG);
        distance += params.platform.length() + 1;
        plan.platform = distance;
    }
    distance += kRandomBytes;
    plan.random = distance;
    u64 words = 1 + (plan.argc + 1) + (params.envc + 1) + 2 * aux_count(params);
    plan.total = align_up(distance + words * sizeof(u64), 16);
    return plan;
}

// Writes into the buffer that stands for [top - capacity, top).
struct Writer {
    u8* buffer;
    usize capacity;
    VirtAddr top;

    u8* at(VirtAddr address) const { return buffer + capacity - (top - address); }
    void put_word(VirtAddr address, u64 value) const { memcpy(at(address), &value, sizeof(value)); }
    void put_bytes(VirtAddr address, void const* bytes, usize size) const { memcpy(at(address), bytes, size); }
    void put_string(VirtAddr address, StringView text) const
    {
        put_bytes(address, text.characters_without_null_termination(), text.length());
        *at(address + text.length()) = 0;
    }
};

// Lays `count` strings out upwards from `address`; stores where each went.
VirtAddr put_strings(Writer const& writer, VirtAddr address, StringView const* strings, usize count, VirtAddr pointers)
{
    for (usize i = 0; i < count; ++i) {
        writer.put_string(address, strings[i]);
        writer.put_word(pointers + i * sizeof(u64), address);
        address += strings[i].length() + 1;
    }
    writer.put_word(pointers + count * sizeof(u64), 0);
    return address;
}

}

u64 exec_arg_limit(u64 stack_rlimit)
{
    constexpr u64 kStackLimitDefault = 8 * MiB; // Linux's _STK_LIM
    constexpr u64 kArgMax = 32 * 4096;          // Linux's ARG_MAX
    u64 limit = kStackLimitDefault / 4 * 3;
    if (stack_rlimit / 4 < limit)
        limit = stack_rlimit / 4;
    if (limit < kArgMax)
        limit = kArgMax;
    return limit;
}

void initial_stack_set_image(InitialStackParams& params, ElfImage const& image)
{
    params.phdr = image.phdr_address;
    params.phent = image.phdr_entry_size;
    params.phnum = image.phdr_count;
    params.entry = image.entry;
}

ErrorOr<usize> initial_stack_size(InitialStackParams const& params)
{
    Plan layout = TRY(plan(params));
    return static_cast<usize>(layout.total);
}

ErrorOr<InitialStack> initial_stack_build(InitialStackParams const& params, VirtAddr stack_top, u8* buffer, usize capacity)
{
    VERIFY(is_aligned(stack_top, 16));
    Plan layout = TRY(plan(params));
    if (layout.total > capacity || layout.total > stack_top)
        return Error::from_errno(E2BIG);
    Writer writer { buffer, capacity, stack_top };

    InitialStack result {};
    result.stack_pointer = stack_top - layout.total;
    result.data = writer.at(result.stack_pointer);
    result.size = layout.total;
    // Padding and the top NULL word are zeros, not leftovers of the buffer.
    memset(const_cast<u8*>(result.data), 0, result.size);

    result.execfn = stack_top - layout.execfn;
    writer.put_string(result.execfn, params.execfn);
    result.argv = result.stack_pointer + sizeof(u64);
    result.envp = result.argv + (layout.argc + 1) * sizeof(u64);
    put_strings(writer, stack_top - layout.argv_strings, layout.argv, layout.argc, result.argv);
    put_strings(writer, stack_top - layout.envp_strings, params.envp, params.envc, result.envp);
    VirtAddr platform = 0;
    if (layout.platform) {
        platform = stack_top - layout.platform;
        writer.put_string(platform, params.platform);
    }
    result.random = stack_top - layout.random;
    writer.put_bytes(result.random, params.random, kRandomBytes);
    writer.put_word(result.stack_pointer, layout.argc);

    AuxEntry entries[kAuxvMaxEntries];
    usize count = 0;
    auto add = [&](u64 key, u64 value) {
        VERIFY(count < kAuxvMaxEntries);
        entries[count++] = { key, value };
    };
    if (params.sysinfo_ehdr)
        add(auxv::kSysinfoEhdr, params.sysinfo_ehdr);
    if (params.minsigstksz)
        add(auxv::kMinsigstksz, params.minsigstksz);
    add(auxv::kHwcap, params.hwcap);
    add(auxv::kPagesz, params.page_size);
    add(auxv::kClktck, params.clock_ticks);
    add(auxv::kPhdr, params.phdr);
    add(auxv::kPhent, params.phent);
    add(auxv::kPhnum, params.phnum);
    add(auxv::kBase, params.base);
    add(auxv::kFlags, params.flags);
    add(auxv::kEntry, params.entry);
    add(auxv::kUid, params.uid);
    add(auxv::kEuid, params.euid);
    add(auxv::kGid, params.gid);
    add(auxv::kEgid, params.egid);
    add(auxv::kSecure, params.secure ? 1 : 0);
    add(auxv::kRandom, result.random);
    add(auxv::kHwcap2, params.hwcap2);
    add(auxv::kExecfn, result.execfn);
    if (platform)
        add(auxv::kPlatform, platform);
    add(auxv::kNull, 0);
    VERIFY(count == aux_count(params));

    result.auxv = result.envp + (params.envc + 1) * sizeof(u64);
    for (usize i = 0; i < count; ++i) {
        writer.put_word(result.auxv + i * 16, entries[i].key);
        writer.put_word(result.auxv + i * 16 + 8, entries[i].value);
    }
    VERIFY(result.auxv + count * 16 <= result.random);
    return result;
}
