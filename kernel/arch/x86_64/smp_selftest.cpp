// Self-tests of SMP (CONCEPTS E1, arch/x86_64/smp.h): every CPU the MADT
// lists is started with its own per-CPU block, GDT and TSS; IPIs reach the
// CPU they are sent to; a TLB shoot-down really removes a translation another
// CPU had cached, also when every CPU shoots down at once; spinlocks,
// kmalloc, the page allocator and kernel stacks stay exact when every CPU
// uses them at once. Each test also runs (and passes, checking what it can)
// on one CPU.
#include <arch/x86_64/apic.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/probe.h>
#include <arch/x86_64/smp.h>
#include <arch/x86_64/spinlock.h>
#include <atomic>
#include <drivers/acpi.h>
#include <lib/cmdline.h>
#include <lib/log.h>
#include <lib/selftest.h>
#include <mm/kernel_stack.h>
#include <mm/kmalloc.h>
#include <mm/layout.h>
#include <mm/page_allocator.h>
#include <mm/paging.h>
#include <sched/clock.h>
#include <sched/scheduler.h>

namespace {

// Keeps the test on one CPU while it compares this_cpu() with a target.
class PreemptionOff {
public:
    PreemptionOff() { sched::preempt_disable(); }
    ~PreemptionOff() { sched::preempt_enable(); }
    PreemptionOff(PreemptionOff const&) = delete;
    PreemptionOff& operator=(PreemptionOff const&) = delete;
};

// A kernel address nothing else maps: near the end of the MMIO window (the
// paging self-test uses the last page).
constexpr VirtAddr kTestAddress = mm::kMmioEnd - 3 * mm::kPageSize;

u32 expected_cpu_count()
{
    u32 enabled = 0;
    if (acpi::has_madt()) {
        auto const& madt = acpi::madt();
        for (int i = 0; i < madt.processor_count; ++i)
            enabled += madt.processors[i].enabled && madt.processors[i].apic_id <= 0xFF ? 1 : 0;
    }
    if (enabled == 0)
        enabled = 1;
    if (cmdline::has("nosmp"))
        return 1;
    i64 limit = cmdline::get_int("maxcpus", kMaxCpus);
    if (limit < 1)
        limit = 1;
    return static_cast<u64>(limit) < enabled ? static_cast<u32>(limit) : enabled;
}

// The highest-numbered online CPU: another CPU than this one whenever there is one.
u32 other_cpu() { return smp::online_count() - 1; }

struct DescriptorTablePointer {
    u16 limit;
    u64 base;
} PACKED;

struct CpuSnapshot {
    Cpu* block;
    u64 gs_base;
    u32 id;
    u32 apic_id;
    u64 gdt_base;
    u64 idt_base;
    u16 task_register;
    gdt::CpuTables* tables;
    bool seen;
};

CpuSnapshot s_snapshots[kMaxCpus];

void take_snapshot(void*)
{
    auto& me = this_cpu();
    auto& snapshot = s_snapshots[me.id];
    snapshot.block = &me;
    snapshot.gs_base = cpu::rdmsr(cpu::MSR_GS_BASE);
    snapshot.id = me.id;
    snapshot.apic_id = apic::id();
    DescriptorTablePointer gdt_pointer {}, idt_pointer {};
    asm volatile("sgdt %0" : "=m"(gdt_pointer));
    asm volatile("sidt %0" : "=m"(idt_pointer));
    asm volatile("str %0" : "=r"(snapshot.task_register));
    snapshot.gdt_base = gdt_pointer.base;
    snapshot.idt_base = idt_pointer.base;
    snapshot.tables = &gdt::current();
    snapshot.seen = true;
}

}

KERNEL_TEST(smp_every_enabled_madt_cpu_is_online)
{
    PreemptionOff pinned;
    u32 expected = expected_cpu_count();
    EXPECT_EQ(smp::online_count(), expected);
    EXPECT_EQ(percpu::count(), expected);
    EXPECT_EQ(smp::online_mask(), expected == 64 ? ~0ull : (1ull << expected) - 1);
    EXPECT(smp::mode() == (expected == 1 ? smp::Mode::Single
                                         : (cmdline::has("amp") ? smp::Mode::Asymmetric : smp::Mode::Symmetric)));
    EXPECT_EQ(percpu::cpu(this_cpu().id)->apic_id, apic::id());
    for (u32 id = 0; id < expected; ++id) {
        Cpu* cpu = percpu::cpu(id);
        EXPECT(cpu != nullptr);
        EXPECT_EQ(cpu->id, id);
        EXPECT(cpu->online);
        EXPECT(cpu->self == cpu);
        EXPECT(cpu->tables != nullptr);
        bool listed = false;
        auto const& madt = acpi::madt();
        for (int i = 0; i < madt.processor_count; ++i)
            listed = listed || (madt.processors[i].enabled && madt.processors[i].apic_id == cpu->apic_id);
        EXPECT(listed || !acpi::has_madt());
        for (u32 other = 0; other < id; ++other) {
            EXPECT(percpu::cpu(other)->apic_id != cpu->apic_id);
            EXPECT(percpu::cpu(other)->tables != cpu->tables);
        }
    }
    EXPECT(percpu::cpu(expected) == nullptr);
}

KERNEL_TEST(smp_per_cpu_data_through_gs_base_is_each_cpus_own)
{
    for (auto& snapshot : s_snapshots)
        snapshot = {};
    smp::call_on_each_cpu(take_snapshot, nullptr);
    u32 count = smp::online_count();
    for (u32 id = 0; id < count; ++id) {
        auto const& s = s_snapshots[id];
        Cpu* cpu = percpu::cpu(id);
        EXPECT(s.seen);
        EXPECT(s.block == cpu);
        EXPECT_EQ(s.gs_base, reinterpret_cast<u64>(cpu));
        EXPECT_EQ(s.id, id);
        EXPECT_EQ(s.apic_id, cpu->apic_id);
        // Its own GDT (holding its own TSS) is the one loaded, and TR names the TSS.
        EXPECT(s.tables == cpu->tables);
        EXPECT_EQ(s.gdt_base, reinterpret_cast<u64>(cpu->tables->m_descriptors));
        EXPECT_EQ(s.task_register, gdt::kTss);
        // One IDT for all.
        EXPECT_EQ(s.idt_base, s_snapshots[0].idt_base);
        // Its IST stacks are its own.
        for (u32 other = 0; other < id; ++other) {
            auto const& mine = cpu->tables->m_tss;
            auto const& theirs = percpu::cpu(other)->tables->m_tss;
            EXPECT(mine.ist[gdt::kIstNmi - 1] != theirs.ist[gdt::kIstNmi - 1]);
            EXPECT(mine.ist[gdt::kIstDoubleFault - 1] != theirs.ist[gdt::kIstDoubleFault - 1]);
        }
    }
    for (u32 id = count; id < kMaxCpus; ++id)
        EXPECT(!s_snapshots[id].seen);
}

namespace {
std::atomic<u32> s_ran_on { ~0u };
void record_cpu(void*) { s_ran_on.store(this_cpu().id); }
}

KERNEL_TEST(smp_ipi_reaches_the_chosen_cpu)
{
    PreemptionOff pinned;
    u32 count = smp::online_count();
    for (u32 target = 0; target < count; ++target) {
        u64 calls_before = smp::ipi_counts(target).call_function;
        s_ran_on.store(~0u);
        EXPECT(smp::call_on_cpu(target, record_cpu, nullptr));
        EXPECT_EQ(s_ran_on.load(), target);
        if (target != this_cpu().id)
            EXPECT(smp::ipi_counts(target).call_function > calls_before);
    }
    EXPECT(!smp::call_on_cpu(count, record_cpu, nullptr)); // not online

    u32 target = other_cpu();
    if (target == this_cpu().id)
        return; // one CPU: nothing to send to
    u64 before = smp::ipi_counts(target).reschedule;
    smp_send_reschedule(target);
    u64 started = ktime::monotonic_ns();
    while (smp::ipi_counts(target).reschedule == before && ktime::monotonic_ns() - started < 1'000'000'000)
        cpu::pause();
    EXPECT(smp::ipi_counts(target).reschedule > before);
}

namespace {

struct RemoteRead {
    VirtAddr address;
    u64 value;
    bool readable;
};

void read_remotely(void* argument)
{
    auto* request = static_cast<RemoteRead*>(argument);
    request->readable = probe_read_u64(request->address, request->value);
}

RemoteRead read_on(u32 cpu, VirtAddr address)
{
    RemoteRead request { address, 0, false };
    smp::call_on_cpu(cpu, read_remotely, &request);
    return request;
}

// Maps kTestAddress to page A, lets `target` read (and so cache) it, then
// unmaps and remaps it to page B with `lock` held or not, and checks what
// `target` reads after each step: with a missed shoot-down its TLB would
// still give page A.
bool shootdown_scenario(KernelTestContext& ctx, Spinlock* lock)
{
    u32 target = other_cpu();
    auto a = mm::page_allocator().allocate(0);
    auto b = mm::page_allocator().allocate(0);
    if (a.is_error() || b.is_error()) {
        selftest_fail(ctx, __FILE__, __LINE__, "no pages");
        return false;
    }
    *mm::phys_to_virt<u64>(a.value()) = 0xAAAA0001;
    *mm::phys_to_virt<u64>(b.value()) = 0xBBBB0002;
    bool ok = !mm::map_kernel_page(kTestAddress, a.value(), { .writable = true }).is_error();

    auto first = read_on(target, kTestAddress);
    ok = ok && first.readable && first.value == 0xAAAA0001;
    // Several reads, so the translation is surely in the target's TLB.
    for (int i = 0; i < 4; ++i)
        ok = ok && read_on(target, kTestAddress).value == 0xAAAA0001;

    u64 tlb_ipis_before = smp::ipi_counts(target).tlb_shootdown;
    {
        u64 flags = lock ? lock->lock() : 0;
        auto old = mm::unmap_kernel_page(kTestAddress);
        ok = ok && !old.is_error() && old.value() == a.value();
        if (lock)
            lock->unlock(flags);
    }
    auto gone = read_on(target, kTestAddress);
    ok = ok && !gone.readable;

    {
        u64 flags = lock ? lock->lock() : 0;
        ok = ok && !mm::map_kernel_page(kTestAddress, b.value(), { .writable = true }).is_error();
        if (lock)
            lock->unlock(flags);
    }
    auto second = read_on(target, kTestAddress);
    ok = ok && second.readable && second.value == 0xBBBB0002;
    u64 tlb_ipis = smp::ipi_counts(target).tlb_shootdown - tlb_ipis_before;

    (void)mm::unmap_kernel_page(kTestAddress);
    mm::page_allocator().free(a.value(), 0);
    mm::page_allocator().free(b.value(), 0);
    if (!ok) {
        selftest_fail(ctx, __FILE__, __LINE__,
            "CPU %u read %#lx (readable %d), then after unmap readable %d, after remap %#lx", target, first.value,
            first.readable, gone.readable, second.value);
        return false;
    }
    // Without a lock the shoot-down travels on its vector. (With one held it
    // goes as an NMI; vector IPIs may still reach the target in the window
    // from other CPUs' work, such as the reaper freeing stacks, so only the
    // invalidation itself is checked there.)
    if (target != this_cpu().id && !lock && tlb_ipis == 0) {
        selftest_fail(ctx, __FILE__, __LINE__, "%lu shoot-down vector IPIs reached CPU %u", tlb_ipis, target);
        return false;
    }
    return true;
}

}

KERNEL_TEST(smp_tlb_shootdown_invalidates_a_mapping_another_cpu_cached)
{
    PreemptionOff pinned;
    if (!shootdown_scenario(ctx, nullptr))
        return;
}

KERNEL_TEST(smp_tlb_shootdown_with_a_spinlock_held_reaches_cpus_through_nmi)
{
    static Spinlock lock { "shoot-down test" };
    PreemptionOff pinned;
    if (!shootdown_scenario(ctx, &lock))
        return;
}

namespace {

// Every increment may hand the (fair, ticket) lock to another CPU; on an
// emulator whose host is busy, each hand-off can wait for the host to
// schedule that vCPU, so the count stays modest. The window between read
// and write is widened instead, so a lock that let two CPUs in would lose
// updates even in few rounds.
constexpr u64 kIncrementsPerCpu = 200;
Spinlock s_counter_lock { "counter test" };
u64 s_counter; // deliberately not atomic: only the lock makes the sum exact

void increment_many(void*)
{
    for (u64 i = 0; i < kIncrementsPerCpu; ++i) {
        SpinlockLocker locker(s_counter_lock);
        u64 value = s_counter; // a plain read-modify-write, not a locked add
        for (int i = 0; i < 20; ++i)
            cpu::pause();
        asm volatile("" ::: "memory");
        s_counter = value + 1;
    }
}

}

KERNEL_TEST(smp_spinlock_keeps_a_counter_exact_when_every_cpu_increments_it)
{
    s_counter = 0;
    smp::call_on_each_cpu(increment_many, nullptr);
    EXPECT_EQ(s_counter, kIncrementsPerCpu * smp::online_count());
    EXPECT(!s_counter_lock.is_locked());
}

namespace {

std::atomic<u32> s_threads_done;
std::atomic<u32> s_threads_off_their_cpu;
std::atomic<u64> s_cpus_seen;

// A kernel thread pinned to CPU `argument`: the same increments, by threads.
void increment_from_thread(void* argument)
{
    u32 cpu = static_cast<u32>(reinterpret_cast<uptr>(argument));
    for (u64 i = 0; i < kIncrementsPerCpu; ++i) {
        SpinlockLocker locker(s_counter_lock);
        if (this_cpu().id != cpu)
            s_threads_off_their_cpu.fetch_add(1);
        u64 value = s_counter;
        for (int k = 0; k < 20; ++k)
            cpu::pause();
        asm volatile("" ::: "memory");
        s_counter = value + 1;
    }
    s_threads_done.fetch_add(1);
    sched::exit_current(0);
}

bool wait_for_threads(u32 count, u64 timeout_ns)
{
    u64 deadline = ktime::monotonic_ns() + timeout_ns;
    while (s_threads_done.load() < count && ktime::monotonic_ns() < deadline)
        sched::sleep_ns(1'000'000);
    return s_threads_done.load() == count;
}

}

KERNEL_TEST(smp_threads_on_every_cpu_keep_a_spinlocked_counter_exact)
{
    u32 count = smp::online_count();
    s_counter = 0;
    s_threads_done.store(0);
    s_threads_off_their_cpu.store(0);
    for (u32 cpu = 0; cpu < count; ++cpu) {
        auto thread = sched::create_kernel_thread("smp-counter", increment_from_thread,
            reinterpret_cast<void*>(static_cast<uptr>(cpu)));
        EXPECT(!thread.is_error());
        EXPECT(!sched::set_affinity(thread.value(), 1ull << cpu).is_error());
        sched::start(thread.value());
    }
    EXPECT(wait_for_threads(count, 60'000'000'000ull));
    EXPECT_EQ(s_counter, kIncrementsPerCpu * count);
    EXPECT_EQ(s_threads_off_their_cpu.load(), 0u); // affinity honoured
}

namespace {

// An unpinned thread that notes every CPU it finds itself on for a while.
void note_cpus(void*)
{
    u64 until = ktime::monotonic_ns() + 40'000'000;
    while (ktime::monotonic_ns() < until) {
        s_cpus_seen.fetch_or(1ull << this_cpu().id);
        for (int k = 0; k < 100; ++k)
            cpu::pause();
    }
    s_threads_done.fetch_add(1);
    sched::exit_current(0);
}

}

KERNEL_TEST(smp_amp_runs_unpinned_threads_on_the_master_cpu_only)
{
    u32 threads = smp::online_count() + 1;
    s_threads_done.store(0);
    s_cpus_seen.store(0);
    for (u32 i = 0; i < threads; ++i)
        EXPECT(!sched::spawn_kernel_thread("smp-unpinned", note_cpus, nullptr).is_error());
    EXPECT(wait_for_threads(threads, 60'000'000'000ull));
    EXPECT(s_cpus_seen.load() != 0);
    if (smp::mode() == smp::Mode::Asymmetric)
        EXPECT_EQ(s_cpus_seen.load(), 1u); // CPU 0 only: the others take assigned work only
    else
        EXPECT_EQ(s_cpus_seen.load() & ~smp::online_mask(), 0u);
}

namespace {

constexpr int kHammerRounds = 400;
constexpr int kLiveObjects = 24;

struct HammerResult {
    u64 errors;
    u64 allocations;
};
HammerResult s_hammer[kMaxCpus];

u64 pattern(u32 cpu, u64 index) { return 0x5A5A000000000000ull | (u64(cpu) << 32) | index; }

void hammer(void*)
{
    u32 me = this_cpu().id;
    auto& result = s_hammer[me];
    result = {};
    u64* objects[kLiveObjects] = {};
    usize sizes[kLiveObjects] = {};
    u64 random = 0x9E3779B97F4A7C15ull * (me + 1);
    auto next = [&] {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        return random;
    };
    auto check_and_free = [&](int slot) {
        if (!objects[slot])
            return;
        usize words = sizes[slot] / sizeof(u64);
        for (usize w = 0; w < words; ++w) {
            if (objects[slot][w] != pattern(me, slot * 4096 + w))
                ++result.errors;
        }
        kfree(objects[slot]);
        objects[slot] = nullptr;
    };
    for (int round = 0; round < kHammerRounds; ++round) {
        int slot = static_cast<int>(next() % kLiveObjects);
        check_and_free(slot);
        // Mostly size classes, sometimes a large (page-block) request.
        usize size = (next() % 8 == 0) ? 4096 + (next() % 8192) : 16 + (next() % 2000);
        size = align_up(size, sizeof(u64));
        auto* object = static_cast<u64*>(kmalloc(size));
        if (!object) {
            ++result.errors;
            continue;
        }
        ++result.allocations;
        for (usize w = 0; w < size / sizeof(u64); ++w)
            object[w] = pattern(me, slot * 4096 + w);
        objects[slot] = object;
        sizes[slot] = size;

        unsigned order = static_cast<unsigned>(next() % 3);
        auto block = mm::page_allocator().allocate(order);
        if (block.is_error()) {
            ++result.errors;
            continue;
        }
        auto* words = mm::phys_to_virt<u64>(block.value());
        usize count = (mm::kPageSize << order) / sizeof(u64);
        for (usize w = 0; w < count; w += 64)
            words[w] = pattern(me, w);
        for (usize w = 0; w < count; w += 64)
            result.errors += words[w] != pattern(me, w) ? 1 : 0;
        mm::page_allocator().free(block.value(), order);

        if (round % 50 == 0) {
            // A kernel stack: slot bitmap, page tables and (on free) a
            // shoot-down to every other CPU, all while the others hammer too.
            auto stack = mm::allocate_kernel_stack();
            if (stack.is_error()) {
                ++result.errors;
                continue;
            }
            *reinterpret_cast<u64*>(stack.value().top - 8) = pattern(me, round);
            result.errors += *reinterpret_cast<u64*>(stack.value().top - 8) != pattern(me, round) ? 1 : 0;
            mm::free_kernel_stack(stack.value());
        }
    }
    for (int slot = 0; slot < kLiveObjects; ++slot)
        check_and_free(slot);
}

// The hammer runs in kernel threads pinned one per CPU, where such work
// really happens. Freeing a kernel stack unmaps it and shoots it down on
// every CPU, so every CPU shoots down at the others while they do the same
// (issue 3: this once deadlocked).
void hammer_thread(void*)
{
    hammer(nullptr);
    s_threads_done.fetch_add(1);
    sched::exit_current(0);
}

}

// Waits (up to a second) until the reaper has freed every exited thread:
// the count of kernel stacks stays the same over three 10 ms looks. The
// leak checks below compare counts taken when nothing else is in flight.
static void wait_for_reaper_to_settle()
{
    usize last = mm::kernel_stacks_in_use();
    int stable = 0;
    for (int round = 0; round < 100 && stable < 3; ++round) {
        sched::sleep_ns(10'000'000);
        usize now = mm::kernel_stacks_in_use();
        stable = now == last ? stable + 1 : 0;
        last = now;
    }
}

KERNEL_TEST(smp_kmalloc_and_page_allocator_survive_every_cpu_at_once)
{
    wait_for_reaper_to_settle();
    auto& pages = mm::page_allocator();
    auto heap_before = kmalloc_stats();
    u64 free_before = pages.free_pages();
    usize stacks_before = mm::kernel_stacks_in_use();
    u32 count = smp::online_count();
    s_threads_done.store(0);
    for (u32 cpu = 0; cpu < count; ++cpu) {
        auto thread = sched::create_kernel_thread("smp-hammer", hammer_thread, nullptr);
        EXPECT(!thread.is_error());
        EXPECT(!sched::set_affinity(thread.value(), 1ull << cpu).is_error());
        sched::start(thread.value());
    }
    EXPECT(wait_for_threads(count, 120'000'000'000ull));
    // The reaper frees the threads' own stacks shortly after they exit.
    for (int i = 0; i < 200 && mm::kernel_stacks_in_use() != stacks_before; ++i)
        sched::sleep_ns(5'000'000);
    for (u32 id = 0; id < count; ++id) {
        EXPECT_EQ(s_hammer[id].errors, 0u);
        EXPECT(s_hammer[id].allocations > 0);
    }
    EXPECT(kmalloc_check_invariants());
    EXPECT(pages.check_invariants());
    wait_for_reaper_to_settle();
    auto heap_after = kmalloc_stats();
    // Nothing the hammer allocated is left over. (Not "equal": the reaper
    // may free earlier tests' threads meanwhile, which only lowers these.)
    EXPECT(heap_after.bytes_in_use <= heap_before.bytes_in_use);
    EXPECT(heap_after.large_blocks <= heap_before.large_blocks);
    EXPECT_EQ(mm::kernel_stacks_in_use(), stacks_before);
    // Every page is back, except those now held by slabs the heap keeps
    // (and page-table pages the stacks' mappings needed).
    u64 kept_by_slabs = (heap_after.bytes_from_pages - heap_before.bytes_from_pages) / mm::kPageSize;
    EXPECT(pages.free_pages() + kept_by_slabs <= free_before);
    EXPECT(pages.free_pages() + kept_by_slabs + 4 >= free_before);
}

namespace {

// The shoot-down storm: every CPU calls flush_tlb_range at the same time,
// over and over, in every way a caller may: interrupts on, interrupts off,
// with a spinlock held (the request goes as NMIs, while other CPUs spin on
// that same lock with interrupts off), and over a range past the
// whole-flush limit. Every few rounds each CPU also moves its own page at
// storm_address(cpu) to another physical page and poisons the old one,
// while the others keep reading that address: a CPU whose TLB still held
// the old translation after the unmap's shoot-down returned reads poison.
//
// Every round is a round trip to every other CPU. An emulator on a host
// busy with other work may take a host time slice per trip, so the rounds
// stop at a time budget too, provided each CPU did a minimum. (A deadlock
// is caught either way: a shoot-down left unanswered panics after 30 s.)
constexpr u64 kStormRounds = 2000;
constexpr u64 kStormMinRounds = 64;
constexpr u64 kStormBudgetNs = 20'000'000'000ull;
constexpr u64 kStormRemapEvery = 16;
constexpr u64 kPoison = 0xDEADDEADDEADDEADull;
Spinlock s_storm_lock { "shoot-down storm" };
std::atomic<u32> s_storm_started;
std::atomic<u64> s_storm_deadline;

struct StormCpu {
    PhysAddr pages[2];
    int current;
    u64 rounds;
    u64 remaps;
    u64 reads;
    u64 poison_seen;
    u64 errors;
};
StormCpu s_storm[kMaxCpus];

// Below kTestAddress, in the same page table.
VirtAddr storm_address(u32 cpu) { return mm::kMmioEnd - (8 + cpu) * mm::kPageSize; }
u64 storm_value(u32 cpu, u64 remap) { return 0x600D000000000000ull | (u64(cpu) << 32) | remap; }

void storm_remap(u32 me, StormCpu& mine)
{
    VirtAddr address = storm_address(me);
    auto old = mm::unmap_kernel_page(address); // shoots down everywhere
    if (old.is_error() || old.value() != mine.pages[mine.current]) {
        ++mine.errors;
        return;
    }
    // Every CPU has dropped the translation: nobody may read this any more.
    *mm::phys_to_virt<u64>(old.value()) = kPoison;
    mine.current ^= 1;
    ++mine.remaps;
    *mm::phys_to_virt<u64>(mine.pages[mine.current]) = storm_value(me, mine.remaps);
    if (mm::map_kernel_page(address, mine.pages[mine.current], { .writable = true }).is_error())
        ++mine.errors;
}

void storm_thread(void*)
{
    u32 me = this_cpu().id;
    u32 count = smp::online_count();
    auto& mine = s_storm[me];
    // Everyone starts together, so the shoot-downs overlap from the first.
    if (s_storm_started.fetch_add(1) + 1 == count)
        s_storm_deadline.store(ktime::monotonic_ns() + kStormBudgetNs);
    while (s_storm_deadline.load() == 0)
        cpu::pause();
    for (u64 round = 0; round < kStormRounds; ++round) {
        if (round >= kStormMinRounds && ktime::monotonic_ns() > s_storm_deadline.load())
            break;
        VirtAddr own = storm_address(me);
        switch (round % 4) {
        case 0:
            smp::flush_tlb_range(own, mm::kPageSize);
            break;
        case 1: {
            bool were_enabled = cpu::interrupts_enabled();
            cpu::cli();
            smp::flush_tlb_range(own, 2 * mm::kPageSize);
            if (were_enabled)
                cpu::sti();
            break;
        }
        case 2: {
            SpinlockLocker locker(s_storm_lock);
            smp::flush_tlb_range(own - 3 * mm::kPageSize, 4 * mm::kPageSize);
            break;
        }
        default:
            smp::flush_tlb_range(mm::kMmioEnd - 128 * mm::kPageSize, 100 * mm::kPageSize); // whole TLB
            break;
        }
        // Read a neighbour's page, so its translation is cached here when
        // the neighbour next moves it.
        u32 other = static_cast<u32>((me + 1 + round) % count);
        u64 value = 0;
        if (probe_read_u64(storm_address(other), value)) {
            ++mine.reads;
            if (value == kPoison)
                ++mine.poison_seen;
        }
        if (round % kStormRemapEvery == kStormRemapEvery - 1)
            storm_remap(me, mine);
        ++mine.rounds;
    }
    s_threads_done.fetch_add(1);
    sched::exit_current(0);
}

}

KERNEL_TEST(smp_tlb_shootdowns_from_every_cpu_at_once_all_complete)
{
    u32 count = smp::online_count();
    u64 vector_ipis_before[kMaxCpus];
    u64 nmis_before[kMaxCpus];
    for (u32 cpu = 0; cpu < count; ++cpu) {
        vector_ipis_before[cpu] = smp::ipi_counts(cpu).tlb_shootdown;
        nmis_before[cpu] = smp::ipi_counts(cpu).tlb_nmis;
        auto& c = s_storm[cpu];
        c = {};
        auto a = mm::page_allocator().allocate(0);
        auto b = mm::page_allocator().allocate(0);
        if (a.is_error() || b.is_error()) {
            selftest_fail(ctx, __FILE__, __LINE__, "no pages");
            return;
        }
        c.pages[0] = a.value();
        c.pages[1] = b.value();
        *mm::phys_to_virt<u64>(c.pages[0]) = storm_value(cpu, 0);
        EXPECT(!mm::map_kernel_page(storm_address(cpu), c.pages[0], { .writable = true }).is_error());
    }
    s_storm_started.store(0);
    s_storm_deadline.store(0);
    s_threads_done.store(0);
    u64 started = ktime::monotonic_ns();
    for (u32 cpu = 0; cpu < count; ++cpu) {
        auto thread = sched::create_kernel_thread("smp-tlb-storm", storm_thread, nullptr);
        EXPECT(!thread.is_error());
        EXPECT(!sched::set_affinity(thread.value(), 1ull << cpu).is_error());
        sched::start(thread.value());
    }
    bool finished = wait_for_threads(count, kStormBudgetNs + 90'000'000'000ull);
    u64 elapsed_ms = (ktime::monotonic_ns() - started) / 1'000'000;
    u64 nmis = 0;
    u64 fewest = kStormRounds;
    for (u32 cpu = 0; cpu < count; ++cpu) {
        nmis += smp::ipi_counts(cpu).tlb_nmis - nmis_before[cpu];
        fewest = s_storm[cpu].rounds < fewest ? s_storm[cpu].rounds : fewest;
    }
    log_info("smp test: %u CPU(s) shot down at once, %lu of %lu rounds each at least, in %lu ms; %lu NMIs", count,
        static_cast<unsigned long>(fewest), static_cast<unsigned long>(kStormRounds),
        static_cast<unsigned long>(elapsed_ms), static_cast<unsigned long>(nmis));
    EXPECT(finished);
    if (!finished)
        return; // the pages stay: a thread still running may touch them
    u64 reads = 0;
    for (u32 cpu = 0; cpu < count; ++cpu) {
        auto const& c = s_storm[cpu];
        EXPECT(c.rounds >= kStormMinRounds && c.rounds <= kStormRounds);
        EXPECT_EQ(c.remaps, c.rounds / kStormRemapEvery);
        EXPECT_EQ(c.errors, 0u);
        EXPECT_EQ(c.poison_seen, 0u); // a stale translation survived a shoot-down
        reads += c.reads;
        if (count > 1)
            EXPECT(smp::ipi_counts(cpu).tlb_shootdown > vector_ipis_before[cpu]);
        (void)mm::unmap_kernel_page(storm_address(cpu));
        mm::page_allocator().free(c.pages[0], 0);
        mm::page_allocator().free(c.pages[1], 0);
    }
    EXPECT(reads > 0);
    EXPECT(!s_storm_lock.is_locked());
    // The spinlocked rounds went as NMIs.
    if (count > 1)
        EXPECT(nmis > 0);
}

namespace {
u64 s_clock_readings[kMaxCpus];
void read_clock(void*) { s_clock_readings[this_cpu().id] = ktime::monotonic_ns(); }
}

KERNEL_TEST(smp_tsc_clock_agrees_across_cpus)
{
    u32 count = smp::online_count();
    for (u32 id = 1; id < count; ++id) {
        auto tsc = smp::tsc_offset(id);
        i64 magnitude = tsc.offset_ns < 0 ? -tsc.offset_ns : tsc.offset_ns;
        EXPECT(static_cast<u64>(magnitude) <= tsc.uncertainty_ns + 1000);
    }
    // Time read on one CPU and then on another never goes back.
    for (u32 id = 0; id < count; ++id) {
        u64 before = ktime::monotonic_ns();
        smp::call_on_cpu(id, read_clock, nullptr);
        u64 after = ktime::monotonic_ns();
        EXPECT(s_clock_readings[id] >= before);
        EXPECT(s_clock_readings[id] <= after);
    }
}

KERNEL_TEST(smp_amp_mode_keeps_unpinned_threads_on_cpu_0)
{
    constexpr u64 kAll = ~0ull;
    EXPECT(smp::may_run_on(kAll, 0));
    EXPECT(!smp::may_run_on(1ull << 1, 0));
    EXPECT(smp::may_run_on(1ull << 1, 1));
    if (smp::mode() == smp::Mode::Asymmetric) {
        EXPECT(!smp::may_run_on(kAll, 1)); // not assigned to CPU 1: stays on the master
        EXPECT(!smp::may_run_on(0b11, 1));
        EXPECT(smp::may_run_on(0b110, 2));
    } else {
        EXPECT(smp::may_run_on(kAll, 1));
        EXPECT(smp::may_run_on(0b11, 1));
    }
}
