// The system-call table and dispatcher (syscall.h). The table is an array
// indexed by Linux's numbers, filled at boot from the REGISTER_SYSCALL
// records that the family files (kernel/syscall/*.cpp) leave in the
// .syscall_handlers section.
#include <arch/x86_64/user_mode.h>
#include <lib/bitmap.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <proc/process.h>
#include <sched/scheduler.h>
#include <syscall/syscall.h>
#include <proc/user_return.h>

extern "C" syscalls::Registration const _syscall_handlers_start[];
extern "C" syscalls::Registration const _syscall_handlers_end[];

namespace syscalls {

namespace {

Handler s_table[kTableSize];
// One ENOSYS line per unimplemented number, not one per call.
std::atomic<u64> s_reported_missing[kTableSize / 64];

struct NameEntry {
    u32 number;
    const char* name;
};
constexpr NameEntry kNames[] = {
#define X(number, name) { number, #name },
#include <syscall/syscall_list.inc>
#undef X
};

void report_missing(u64 number)
{
    u64 bit = 1ull << (number % 64);
    if (number < kTableSize && (s_reported_missing[number / 64].fetch_or(bit, std::memory_order_relaxed) & bit))
        return;
    Process* process = process::current();
    const char* name = number < kTableSize ? name_of(static_cast<u32>(number)) : nullptr;
    log_warn("syscall: %s (%lu) is not implemented: -ENOSYS to pid %d \"%s\"", name ? name : "unknown", number,
        process ? process->pid() : -1, process ? process->name() : "?");
}

// sysret restores rip from rcx and rflags from r11 and cannot return to a
// non-canonical rip (the fault would hit in ring 0 on Intel CPUs): use it
// only when the frame is still what the syscall instruction left.
bool sysret_is_safe(InterruptFrame const& frame)
{
    constexpr u64 kTrapOrResume = (1 << 8) | (1 << 16);
    return frame.rcx == frame.rip && frame.r11 == frame.rflags && user_mode::is_canonical_user_address(frame.rip)
        && (frame.rflags & kTrapOrResume) == 0 && frame.vector == user_mode::kSyscallVector;
}

}

const char* name_of(u32 number)
{
    for (auto const& entry : kNames) {
        if (entry.number == number)
            return entry.name;
    }
    return nullptr;
}

void init()
{
    usize count = 0;
    for (auto const* entry = _syscall_handlers_start; entry != _syscall_handlers_end; ++entry) {
        VERIFY(entry->number < kTableSize);
        if (s_table[entry->number])
            panic("syscall: two handlers for %s (%u)", name_of(entry->number), entry->number);
        s_table[entry->number] = entry->handler;
        ++count;
    }
    log_info("syscall: %zu of %zu Linux x86-64 system calls implemented", count, sizeof(kNames) / sizeof(kNames[0]));
}

extern "C" long syscall_dispatch(InterruptFrame* frame)
{
    sched::account_mode_switch(false);
    u64 number = frame->rax;
    long result;
    if (number < kTableSize && s_table[number]) {
        result = s_table[number](*frame);
    } else {
        report_missing(number);
        result = -ENOSYS;
    }
    // A handler that rewrote the frame wholesale (rt_sigreturn) has set
    // rax itself and says so with kKeepRax.
    if (result != kKeepRax)
        frame->rax = static_cast<u64>(result);
    user_return::prepare(*frame);
    sched::account_mode_switch(true);
    return sysret_is_safe(*frame);
}

}
