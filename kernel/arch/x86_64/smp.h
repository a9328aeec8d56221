// Symmetric multiprocessing (CONCEPTS E1): starting the application
// processors (APs) the MADT lists, and the inter-processor interrupts the
// kernel needs once several CPUs share memory and one kernel.
//
// Start-up: the boot CPU (BSP) copies the real-mode trampoline
// (ap_trampoline.S) to a page in the first MiB and wakes each AP with
// INIT-SIPI-SIPI. The AP climbs from real mode through protected mode to
// long mode on a temporary page table, jumps to the higher half on its own
// kernel stack, loads the kernel's page tables, its own GDT/TSS (with its
// own IST stacks), the IDT, its per-CPU block (GS base) and its local APIC,
// reports online, and finally calls sched::run_application_processor(),
// which never returns.
//
// Boot options: `nosmp` (boot CPU only), `maxcpus=N` (at most N CPUs, the
// boot CPU included), `amp` (asymmetric multiprocessing, see Mode below).
//
// IPIs (vectors below): reschedule (sets need_resched on the target; the
// scheduler acts on it on the way out of the interrupt), TLB shoot-down
// (flush_tlb_range), call-a-function (call_on_cpu), and stop: an NMI, so that
// panic() halts even a CPU spinning with interrupts off. A CPU that waits
// for another with interrupts off answers the requests addressed to it
// while it spins, so two CPUs asking each other at once do not deadlock.
//
// Callers: kernel_main (init, after sched::init), the scheduler
// (smp_send_reschedule, may_run_on, mode), mm/paging.cpp and
// mm/kernel_stack.cpp (flush_tlb_range), mm/address_space.cpp
// (flush_tlb_range_on, cpus_with_root), panic.cpp (smp_stop_other_cpus),
// the self-tests.
#pragma once

#include <lib/types.h>

namespace smp {

// Local APIC vectors of the IPIs (0xF0 is the timer, 0xFF spurious). Their
// priority class (0xF) is the highest, so no device IRQ holds them up.
constexpr u8 kVectorReschedule = 0xF1;
constexpr u8 kVectorTlbShootdown = 0xF2;
constexpr u8 kVectorCallFunction = 0xF3;

// How the CPUs share the work (CONCEPTS E1):
//   Single      one CPU: the machine has one, or `nosmp` / `maxcpus=1`;
//   Symmetric   every CPU runs the kernel and any thread (the default);
//   Asymmetric  `amp`: CPU 0 is the master: it runs every thread that is not
//               pinned away from it. CPUs 1..n-1 still run kernel code
//               (interrupts, their idle thread) but only threads explicitly
//               assigned to them: affinity includes the CPU and excludes
//               CPU 0. may_run_on() is the rule; the scheduler asks it when
//               it queues, balances or steals a thread.
enum class Mode : u8 {
    Single,
    Symmetric,
    Asymmetric,
};

// Boot CPU, after the scheduler's init (the APs enter it): starts every
// enabled CPU of the MADT that the options allow and logs
//   SMP: CPU n (APIC id m) online, TSC offset ...
//   SMP: n CPUs online (...)
void init();

Mode mode();
const char* mode_name(Mode);
// True when the scheduler may run a thread with this affinity mask (bit n:
// CPU n) on `cpu`. Symmetric: the bit is set. Asymmetric: CPU 0 takes any
// thread whose bit 0 is set; another CPU only threads whose bit for it is
// set and whose bit 0 is clear (work assigned to it).
bool may_run_on(u64 affinity, u32 cpu);

// CPUs online (started and running kernel code) and their mask.
u32 online_count();
u64 online_mask();
bool is_online(u32 cpu);

// Invalidates the translations of [start, start + length) on this CPU and
// on every other online CPU, and returns once all have done it. Call it
// after changing or removing a mapping other CPUs may have cached, before
// reusing the page it pointed to. Any context but an NMI handler:
// interrupts on or off, and even with a spinlock held, in which case the
// request travels as an NMI (a CPU spinning on that lock with interrupts
// off could never take the vector, and would never acknowledge). Any
// number of CPUs may shoot down at once, at each other: while one waits for
// its answers it answers the requests addressed to it (see smp.cpp for why
// this cannot deadlock). With one CPU online it only flushes locally. A
// length above 64 pages flushes the whole TLB (global entries included).
void flush_tlb_range(VirtAddr start, usize length);
// flush_tlb_range restricted to the CPUs of `cpu_mask` (bit n: CPU n):
// this CPU flushes only if its bit is set, offline CPUs never. Same rules
// otherwise (spinlock held: NMIs). An empty set of others costs nothing.
void flush_tlb_range_on(u64 cpu_mask, VirtAddr start, usize length);
// The online CPUs, this one included, that have `root` loaded (see
// load_root in percpu.h): the ones flush_tlb_range_on must reach after a
// change to that address space's entries. Call it after writing them: it
// fences first, so a CPU missing from the mask walks the new entries. Any
// context; a thread that migrates before flushing is still covered (its
// new CPU is in the mask if it had the root loaded, else walks afresh).
u64 cpus_with_root(PhysAddr root);

// Runs `function(argument)` on CPU `cpu` in interrupt context (interrupts
// off) and returns after it has finished there. On the calling CPU it is
// simply called. False if `cpu` is not online. The caller must hold no
// spinlock (VERIFY): the target may be spinning on it with interrupts off.
// For tests and rare cross-CPU work, not hot paths.
using Function = void (*)(void* argument);
bool call_on_cpu(u32 cpu, Function function, void* argument);
// Runs `function(argument)` on every online CPU at the same time, the
// calling one included, and returns after all have finished.
void call_on_each_cpu(Function function, void* argument);

// Counters for tests and diagnostics: IPIs handled by `cpu` per kind, and
// the NMIs sent to it as shoot-downs (with a spinlock held, or to a target
// silent too long).
struct IpiCounts {
    u64 reschedule;
    u64 tlb_shootdown;
    u64 call_function;
    u64 tlb_nmis;
};
IpiCounts ipi_counts(u32 cpu);

// The TSC of `cpu` minus the boot CPU's, measured at start-up, in ns, with
// the uncertainty of the measurement (half the round trip between the CPUs).
struct TscOffset {
    i64 offset_ns;
    u64 uncertainty_ns;
};
TscOffset tsc_offset(u32 cpu);

}

// The scheduler's cross-CPU kick: makes `cpu` set need_resched and pass
// through an interrupt return (where the scheduler switches). On the calling
// CPU it just sets need_resched. Any context, interrupts on or off.
void smp_send_reschedule(u32 cpu);
// Halts every other CPU through an NMI (panic.cpp, which declares it weak).
// After it the kernel log no longer takes its lock, so a CPU halted inside
// the log cannot block the rest of the panic report.
void smp_stop_other_cpus();
