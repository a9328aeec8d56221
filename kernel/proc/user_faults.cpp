// Faults of user programs (CONCEPTS B3, C8): a page fault on a user
// address is the memory manager's (demand paging, copy-on-write, stack
// growth); what it cannot resolve, and every other exception raised in
// user mode, ends the process with the signal Linux would send (SIGSEGV,
// SIGBUS, SIGFPE, SIGILL, SIGTRAP), and the rest of the system goes on.
// Until the signals issue brings handlers, the signal's default action
// applies: the process dies, and wait() reports WIFSIGNALED with it.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/probe.h>
#include <lib/log.h>
#include <mm/address_space.h>
#include <proc/current.h>
#include <proc/user_return.h>
#include <sched/scheduler.h>
#include <syscall/uaccess.h>

namespace {

// Linux's signal numbers (x86-64).
constexpr int kSigIll = 4;
constexpr int kSigTrap = 5;
constexpr int kSigBus = 7;
constexpr int kSigFpe = 8;
constexpr int kSigKill = 9;
constexpr int kSigSegv = 11;

// Page-fault error code bits (Intel SDM vol. 3, 4.7).
constexpr u64 kFaultPresent = 1 << 0;
constexpr u64 kFaultWrite = 1 << 1;
constexpr u64 kFaultUser = 1 << 2;
constexpr u64 kFaultReserved = 1 << 3;
constexpr u64 kFaultFetch = 1 << 4;

mm::AddressSpace* current_address_space()
{
    Process* process = process::current();
    return process ? process->address_space() : nullptr;
}

// The memory manager's verdict on the last page fault of each CPU: read
// right after, with interrupts still off, to choose SIGSEGV or SIGBUS.
mm::FaultResult s_last_result[kMaxCpus];

// The #PF handler: true when the fault is resolved and the instruction can
// run again. Kernel-mode faults on user addresses are served only for the
// user-copy routines (which have fixups): any other kernel access to user
// memory is a kernel bug and must stay fatal.
bool handle_page_fault(InterruptFrame& frame)
{
    VirtAddr address = cpu::read_cr2();
    if (!uaccess::is_user_range(address, 1))
        return false;
    if (frame.error_code & kFaultReserved)
        return false;
    if (!frame.from_user() && !probe::find_fixup(frame.rip))
        return false;
    mm::AddressSpace* space = current_address_space();
    if (!space)
        return false;
    // The fault may sleep-free work only: handle_fault takes a spinlock.
    // Interrupts back on for it if the faulting code had them (user code
    // always does), so a long copy does not hold up the timer.
    bool reenable = frame.rflags & (1 << 9);
    if (reenable)
        cpu::sti();
    auto result = space->handle_fault(address, frame.error_code & kFaultWrite, frame.error_code & kFaultFetch);
    if (reenable)
        cpu::cli();
    s_last_result[this_cpu().id] = result; // this CPU again: the thread may have moved while interrupts were on
    (void)kFaultPresent;
    (void)kFaultUser;
    return result == mm::FaultResult::Handled;
}

int signal_for(InterruptFrame const& frame)
{
    switch (frame.vector) {
    case interrupts::kDivideError:
    case interrupts::kX87Fault:
    case interrupts::kSimdFault:
        return kSigFpe;
    case interrupts::kInvalidOpcode:
        return kSigIll;
    case interrupts::kDebug:
    case interrupts::kBreakpoint:
        return kSigTrap;
    case interrupts::kAlignmentCheck:
        return kSigBus;
    case interrupts::kPageFault:
        if (s_last_result[this_cpu().id] == mm::FaultResult::BusError)
            return kSigBus;
        if (s_last_result[this_cpu().id] == mm::FaultResult::OutOfMemory)
            return kSigKill;
        return kSigSegv;
    default:
        // #GP (privileged instructions such as hlt and cli, non-canonical
        // addresses), #SS, #NP...: SIGSEGV, as Linux.
        return kSigSegv;
    }
}

[[noreturn]] void kill_faulting_process(InterruptFrame& frame, VirtAddr fault_address)
{
    int signal = signal_for(frame); // before interrupts come back: reads this CPU's verdict
    cpu::sti();
    Process& me = current::process();
    log_notice("pid %d (%s): %s at rip %#lx (address %#lx, error %#lx): killed by signal %d", me.pid(), me.name(),
        interrupts::exception_name(frame.vector), frame.rip, fault_address, frame.error_code, signal);
    sched::account_mode_switch(false);
    process::exit_group(signal); // wait status: WIFSIGNALED, WTERMSIG == signal
}

void user_entry(InterruptFrame&) { sched::account_mode_switch(false); }

void user_exit(InterruptFrame& frame)
{
    user_return::prepare(frame);
    sched::account_mode_switch(true);
}

}

namespace user_return {

void init()
{
    interrupts::set_exception_handler(interrupts::kPageFault, handle_page_fault);
    interrupts::set_user_fault_handler(kill_faulting_process);
    interrupts::set_user_mode_hooks(user_entry, user_exit);
}

}
