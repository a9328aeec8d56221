// Faults of user programs (CONCEPTS B3, C8): a page fault on a user
// address is the memory manager's (demand paging, copy-on-write, stack
// growth); what it cannot resolve, and every other exception raised in
// user mode, raises the signal Linux would send (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGTRAP) with its siginfo (si_code, si_addr), and the rest of
// the system goes on. A handler may catch it (and return, or longjmp out);
// blocked or ignored, or without a handler, it kills the process, and
// wait() reports WIFSIGNALED with it (proc/signals.h, force_fault).
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/fpu.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/probe.h>
#include <lib/log.h>
#include <mm/address_space.h>
#include <proc/current.h>
#include <proc/signals.h>
#include <proc/user_return.h>
#include <sched/scheduler.h>
#include <arch/x86_64/user_mode.h>
#include <lib/string.h>
#include <syscall/uaccess.h>

namespace {

using namespace signals;

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
    s_last_result[this_cpu().id] = mm::FaultResult::NoMapping; // what a fault refused below is
    if (!uaccess::is_user_range(address, 1))
        return false;
    if (frame.error_code & kFaultReserved)
        return false;
    if (!frame.from_user() && !probe::find_fixup(frame.rip))
        return false;
    mm::AddressSpace* space = current_address_space();
    if (!space)
        return false;
    // Interrupts back on if the faulting code had them (user code always
    // does; a user copy does unless it runs under a spinlock): a long copy
    // does not hold up the timer, and a file page may sleep on its inode's
    // mutex (handle_fault drops its own spinlock for that, and refuses it
    // when the faulting code could not have slept).
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

// The si_code of an x87 or SIMD floating-point fault, from the FPU's
// status (the user's registers: the kernel never touches them).
int floating_point_code(u64 vector)
{
    u8* state = current::thread().fpu_state;
    fpu::save(state);
    u16 control;
    u16 status;
    u32 mxcsr;
    memcpy(&control, state + 0, sizeof(control));
    memcpy(&status, state + 2, sizeof(status));
    memcpy(&mxcsr, state + 24, sizeof(mxcsr));
    return vector == interrupts::kX87Fault ? x87_fault_code(status, control) : simd_fault_code(mxcsr);
}

// The signal Linux sends for the fault in `frame`, with its siginfo.
// Interrupts still off: reads this CPU's page-fault verdict.
SigInfo fault_info(InterruptFrame const& frame, VirtAddr fault_address)
{
    switch (frame.vector) {
    case interrupts::kDivideError:
        return make_fault_info(kSigFpe, kFpeIntdiv, frame.rip);
    case interrupts::kX87Fault:
    case interrupts::kSimdFault:
        return make_fault_info(kSigFpe, floating_point_code(frame.vector), frame.rip);
    case interrupts::kInvalidOpcode:
        return make_fault_info(kSigIll, kIllIllopn, frame.rip);
    case interrupts::kDebug:
        return make_fault_info(kSigTrap, kTrapTrace, frame.rip);
    case interrupts::kBreakpoint:
        return make_kernel_info(kSigTrap);
    case interrupts::kAlignmentCheck:
        return make_fault_info(kSigBus, kBusAdraln, 0);
    case interrupts::kPageFault:
        switch (s_last_result[this_cpu().id]) {
        case mm::FaultResult::BusError:
            return make_fault_info(kSigBus, kBusAdrerr, fault_address);
        case mm::FaultResult::OutOfMemory:
            return make_kernel_info(kSigKill);
        case mm::FaultResult::AccessError:
            return make_fault_info(kSigSegv, kSegvAccerr, fault_address);
        default:
            return make_fault_info(kSigSegv, kSegvMaperr, fault_address);
        }
    default:
        // #GP (privileged instructions such as hlt and cli, non-canonical
        // addresses), #SS, #NP...: SIGSEGV, as Linux (SI_KERNEL, no address).
        return make_kernel_info(kSigSegv);
    }
}

// Never returns to the faulting instruction as it was: the signal is
// raised, then delivered (a handler's frame, or the end of the process)
// on the way back to user mode, which this leaves through directly.
[[noreturn]] void kill_faulting_process(InterruptFrame& frame, VirtAddr fault_address)
{
    SigInfo info = fault_info(frame, fault_address);
    cpu::sti();
    Process& me = current::process();
    if (info.signo == kSigKill) {
        log_notice("pid %d (%s): out of memory on a page fault at %#lx: killed", me.pid(), me.name(), fault_address);
        process::exit_group(wait_status_killed(kSigKill, false));
    }
    log_debug("pid %d (%s): %s at rip %#lx (address %#lx, error %#lx): signal %d", me.pid(), me.name(),
        interrupts::exception_name(frame.vector), frame.rip, fault_address, frame.error_code, info.signo);
    signals::force_fault(info, frame.vector, frame.error_code, fault_address);
    user_return::prepare(frame);
    sched::account_mode_switch(true);
    enter_user_mode(&frame);
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
