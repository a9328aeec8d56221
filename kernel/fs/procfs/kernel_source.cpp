// The kernel's ProcSource (fs/procfs/kernel_source.h) and the default
// (weak) process hooks (fs/procfs/process_hooks.h).
//
// Where each thing comes from:
//   processes, threads    process::for_each (under the process lock) with
//                         its thread snapshots; hooks for argv, memory,
//                         umask, terminal, signals, children's usage
//   memory                mm::memory_stats, kmalloc_stats, kernel stacks,
//                         then hooks::memory_counters
//   uptime, idle, CPU     ktime::monotonic_ns; each CPU's idle thread's
//   times                 CPU time; live threads' user/system time by CPU
//   load, counts          sched::load_average, thread snapshots, pid::
//   CPUs                  CPUID (all CPUs are alike) and the per-CPU blocks
//   mounts, names         hooks::mount_namespace, hooks::identity
//
// Sleeping: the process lock is a mutex. list_pids() may be called with a
// spinlock held (getdents64 of /proc, see fs/procfs/source.h); then it
// answers from the PID list of the last call that could take the lock,
// which every lookup in /proc refreshes, and so does
// refresh_process_list() (kernel_source.h), which the process manager
// calls when processes come and go. Once FsLock is a mutex, every call can
// sleep and the list is always current.
//
// /proc/stat must never go backwards (top computes differences), but the
// times of threads that have exited leave the sum of the live ones; each
// CPU's counters are therefore reported as the highest value seen so far.
// Kernel only.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/smp.h>
#include <fs/vfs/char_device.h>
#include <lib/format.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/spinlock.h>
#include <fs/procfs/kernel_source.h>
#include <fs/procfs/mount_list.h>
#include <fs/procfs/process_hooks.h>
#include <fs/procfs/procfs.h>
#include <lib/string.h>
#include <mm/kernel_stack.h>
#include <mm/kmalloc.h>
#include <mm/memory.h>
#include <proc/pid.h>
#include <proc/process.h>
#include <sched/clock.h>
#include <sched/scheduler.h>

// --- the default hooks: what a process without the feature shows ---

namespace procfs::hooks {

[[gnu::weak]] ErrorOr<void> cmdline(Process&, KString&) { return {}; }

[[gnu::weak]] void memory(Process&, ProcessMemory&, u64&, u64&) { }

[[gnu::weak]] u32 umask(Process&) { return 022; }

[[gnu::weak]] u32 fd_table_size(Process&) { return 0; }

[[gnu::weak]] void terminal(Process&, u32& tty, i32& foreground_pgid)
{
    tty = 0;
    foreground_pgid = -1;
}

[[gnu::weak]] void signals(Process&, SignalState&) { }

[[gnu::weak]] void thread_signals(Process&, i32, u64& pending, u64& blocked)
{
    pending = 0;
    blocked = 0;
}

[[gnu::weak]] void children_usage(Process&, u64& user_ns, u64& system_ns, u64& minor_faults, u64& major_faults)
{
    user_ns = system_ns = minor_faults = major_faults = 0;
}

[[gnu::weak]] bool mount_namespace(Process*, vfs::MountTable*&, vfs::Location&) { return false; }

[[gnu::weak]] void identity(SystemIdentity&) { }

[[gnu::weak]] void memory_counters(MemoryInfo&) { }

[[gnu::weak]] ErrorOr<void> environment(Process&, KString&) { return {}; }

[[gnu::weak]] ErrorOr<void> mappings(Process&, GrowableArray<MappingInfo>&) { return {}; }

[[gnu::weak]] ErrorOr<void> open_files(Process&, GrowableArray<OpenFileInfo>&) { return {}; }

[[gnu::weak]] ErrorOr<KString> link(Process&, ProcessLink) { return Error::from_errno(ENOENT); }

[[gnu::weak]] void limits(Process&, LimitInfo (&)[kLimitCount]) { }

}

namespace procfs {

namespace {

void copy_name(char (&destination)[kCommLength], const char* name)
{
    usize length = strnlen(name, kCommLength - 1);
    memcpy(destination, name, length);
    destination[length] = 0;
}

void copy_text(char* destination, usize size, const char* text)
{
    StringView(text).copy_to(destination, size);
}

// Haneul's letters that Linux does not have: a thread not started yet is
// TASK_NEW, which Linux reports as running; a suspended (swapped-out)
// thread is shown as what it waits for, sleeping.
char linux_letter(char letter)
{
    switch (letter) {
    case 'N':
        return 'R';
    case 'R':
    case 'S':
    case 'D':
    case 'T':
    case 'Z':
    case 'X':
    case 'I':
        return letter;
    default:
        return 'S';
    }
}

// Blocking on the process lock is allowed here (not inside a spinlock,
// an interrupt handler or a preemption-disabled stretch).
bool may_sleep()
{
    Cpu& cpu = this_cpu();
    return cpu.spinlocks_held == 0 && cpu.interrupt_depth == 0 && cpu.preempt_count == 0 && process::is_initialized();
}

ThreadInfo thread_info(ThreadSnapshot const& snapshot, u64 affinity)
{
    ThreadInfo info;
    info.tid = static_cast<i32>(snapshot.tid);
    info.state = linux_letter(snapshot.letter);
    copy_name(info.comm, snapshot.name);
    info.policy = static_cast<u8>(snapshot.policy);
    info.rt_priority = snapshot.rt_priority;
    info.nice = snapshot.nice;
    info.cpu = snapshot.cpu;
    info.affinity = affinity;
    info.user_ns = snapshot.user_ns;
    info.system_ns = snapshot.system_ns;
    info.voluntary_switches = snapshot.voluntary_switches;
    info.involuntary_switches = snapshot.involuntary_switches;
    info.start_ns = snapshot.started_ns;
    return info;
}

// What the PCB says, under the process lock. Fails only for memory.
ErrorOr<void> fill_locked(Process& process, ThreadSnapshots const& threads, ProcessInfo& info)
{
    info.pid = process.pid();
    info.ppid = process.parent_pid();
    info.pgid = process.process_group();
    info.sid = process.session();
    info.state = linux_letter(process_run_state_letter(process.run_state(threads)));
    copy_name(info.comm, process.name());
    info.is_kernel = process.is_kernel_process();
    info.flags = info.is_kernel ? kTaskFlagKernelThread : 0;
    info.credentials = process.credentials();
    auto times = process.times(threads);
    info.user_ns = times.user_ns;
    info.system_ns = times.system_ns;
    info.voluntary_switches = times.voluntary_switches;
    info.involuntary_switches = times.involuntary_switches;
    info.start_ns = process.started_ns();
    if (process.state() == ProcessState::Zombie)
        info.exit_code = process.exit_status();

    // Threads in the process's own order (the main thread first).
    u64 affinity = sched::online_cpus();
    ErrorOr<void> result;
    process.for_each_thread([&](ProcessThread const& member) {
        for (auto const& snapshot : threads) {
            if (snapshot.thread != member.thread || snapshot.owner != &process || !snapshot.is_live())
                continue;
            if (!result.is_error())
                result = info.threads.try_append(thread_info(snapshot, affinity));
            return;
        }
    });
    return result;
}

// What the hooks add, with a reference to the process and no lock held.
ErrorOr<void> fill_from_hooks(Process& process, ProcessInfo& info)
{
    TRY(hooks::cmdline(process, info.cmdline));
    hooks::memory(process, info.memory, info.minor_faults, info.major_faults);
    info.umask = hooks::umask(process);
    info.fd_slots = hooks::fd_table_size(process);
    hooks::terminal(process, info.tty, info.tty_pgid);
    hooks::SignalState signals;
    hooks::signals(process, signals);
    info.shared_pending_signals = signals.shared_pending;
    info.ignored_signals = signals.ignored;
    info.caught_signals = signals.caught;
    info.exit_signal = signals.exit_signal;
    for (auto& thread : info.threads)
        hooks::thread_signals(process, thread.tid, thread.pending_signals, thread.blocked_signals);
    hooks::children_usage(process, info.children_user_ns, info.children_system_ns, info.children_minor_faults,
        info.children_major_faults);
    hooks::limits(process, info.limits);
    return {};
}

// Per-CPU high-water marks of /proc/stat's counters (see the top).
Spinlock s_times_lock { "procfs cpu times" };
CpuTimes s_reported[kMaxCpus];

u64 highest(u64& reported, u64 now)
{
    if (now > reported)
        reported = now;
    return reported;
}

class KernelSource final : public ProcSource {
public:
    constexpr KernelSource() = default;

    ErrorOr<void> list_pids(GrowableArray<i32>& pids) override
    {
        if (may_sleep())
            TRY(refresh_pid_cache());
        SpinlockLocker locker(m_cache_lock);
        if (!m_cached_pids)
            return {};
        for (i32 pid : *m_cached_pids)
            TRY(pids.try_append(pid));
        return {};
    }

    ErrorOr<void> process(i32 pid, ProcessInfo& info) override
    {
        if (!may_sleep())
            return Error::from_errno(EAGAIN);
        Process* found = nullptr;
        ErrorOr<void> filled;
        GrowableArray<i32> pids;
        ErrorOr<void> listed;
        ::process::for_each([&](Process& process, ThreadSnapshots const& threads) {
            if (process.pid() > 0 && !listed.is_error())
                listed = pids.try_append(process.pid());
            if (process.pid() != pid)
                return;
            filled = fill_locked(process, threads, info);
            process.ref();
            found = &process;
        });
        // Every lookup keeps the list getdents64 may have to fall back on fresh.
        if (!listed.is_error())
            replace_pid_cache(std::move(pids));
        if (!found)
            return Error::from_errno(ESRCH);
        if (!filled.is_error())
            filled = fill_from_hooks(*found, info);
        found->unref();
        return filled;
    }

    i32 current_pid() override
    {
        Process* current = ::process::is_initialized() ? ::process::current() : nullptr;
        return current ? current->pid() : 0;
    }

    i32 current_tid() override
    {
        Thread* thread = sched::current();
        return thread ? static_cast<i32>(thread->tid) : 0;
    }

    ErrorOr<void> system(SystemInfo& info) override
    {
        fill_memory(info.memory);
        info.uptime_ns = ktime::monotonic_ns();
        auto load = sched::load_average();
        info.load_average[0] = load.one;
        info.load_average[1] = load.five;
        info.load_average[2] = load.fifteen;
        // Linux counts forks; PIDs are handed out one per process, so the
        // last one is the count until PIDs wrap at pid_max. (PIDs claimed
        // at boot by number do not move the allocator's cursor: the
        // highest PID known counts too.)
        info.last_pid = pid::last_allocated();
        {
            SpinlockLocker locker(m_cache_lock);
            for (usize i = 0; m_cached_pids && i < m_cached_pids->size(); ++i)
                info.last_pid = (*m_cached_pids)[i] > info.last_pid ? (*m_cached_pids)[i] : info.last_pid;
        }
        info.forks = static_cast<u64>(info.last_pid);
        info.boot_time_s = ktime::realtime_at_boot();
        for (u32 i = 0; i < percpu::count(); ++i) {
            if (Cpu* cpu = percpu::cpu(i)) {
                info.context_switches += cpu->context_switches;
                info.interrupts += cpu->interrupts_handled;
            }
        }

        ThreadSnapshots threads;
        TRY(threads.take());
        u32 cpu_count = sched::online_cpu_count();
        // One entry per possible CPU: too large for a kernel stack.
        struct PerCpu {
            CpuTimes* times;
            ~PerCpu() { delete[] times; }
        } per_cpu { new (std::nothrow) CpuTimes[kMaxCpus] };
        if (!per_cpu.times)
            return Error::from_errno(ENOMEM);
        CpuTimes* now = per_cpu.times;
        for (auto const& thread : threads) {
            if (thread.is_idle || !thread.is_live())
                continue;
            ++info.total_threads;
            if (thread.letter == 'R')
                ++info.running_threads;
            else if (thread.letter == 'D')
                ++info.blocked_threads;
            if (thread.cpu >= kMaxCpus)
                continue;
            (thread.nice > 0 ? now[thread.cpu].nice : now[thread.cpu].user) += thread.user_ns;
            now[thread.cpu].system += thread.system_ns;
        }
        CpuMask online = sched::online_cpus();
        for (u32 cpu = 0; cpu < kMaxCpus; ++cpu) {
            if (!(online & (1ull << cpu)))
                continue;
            if (Thread* idle = sched::idle_thread(cpu)) {
                now[cpu].idle = sched::cpu_time_ns(idle);
                info.idle_ns += now[cpu].idle;
            }
        }
        SpinlockLocker locker(s_times_lock);
        for (u32 cpu = 0; cpu < kMaxCpus && info.cpu_times.size() < cpu_count; ++cpu) {
            if (!(online & (1ull << cpu)))
                continue;
            CpuTimes times;
            times.user = highest(s_reported[cpu].user, now[cpu].user);
            times.nice = highest(s_reported[cpu].nice, now[cpu].nice);
            times.system = highest(s_reported[cpu].system, now[cpu].system);
            times.idle = highest(s_reported[cpu].idle, now[cpu].idle);
            TRY(info.cpu_times.try_append(times));
        }
        return {};
    }

    ErrorOr<void> cpus(GrowableArray<CpuInfo>& cpus) override
    {
        CpuInfo model = this_model();
        u32 count = sched::online_cpu_count();
        for (u32 i = 0; i < percpu::count(); ++i) {
            Cpu* cpu = percpu::cpu(i);
            if (!cpu || !cpu->online)
                continue;
            CpuInfo info = model;
            info.number = cpu->id;
            info.apic_id = cpu->apic_id;
            info.core_id = cpu->id;
            info.siblings = count;
            info.cores = count;
            TRY(cpus.try_append(info));
        }
        return {};
    }

    u32 cpu_count() override { return sched::online_cpu_count(); }

    ErrorOr<void> mounts(i32 pid, GrowableArray<MountInfo>& mounts) override
    {
        Process* process = nullptr;
        if (pid > 0) {
            auto found = ::process::find(pid);
            if (found.is_error())
                return found.error();
            process = found.value();
        }
        vfs::MountTable* table = nullptr;
        vfs::Location root;
        bool known = hooks::mount_namespace(process, table, root);
        if (process)
            process->unref();
        if (!known || !table)
            return {};
        if (root.is_null())
            root = table->root();
        return collect_mounts(*table, root, mounts);
    }

    void identity(SystemIdentity& identity) override
    {
        copy_text(identity.sysname, sizeof(identity.sysname), "Linux");
        copy_text(identity.nodename, sizeof(identity.nodename), "(none)");
        copy_text(identity.release, sizeof(identity.release), "6.1.0-haneul");
        copy_text(identity.version, sizeof(identity.version), "#1 SMP PREEMPT_DYNAMIC Haneul");
        copy_text(identity.domainname, sizeof(identity.domainname), "(none)");
        copy_text(identity.compile_by, sizeof(identity.compile_by), "haneul");
        copy_text(identity.compile_host, sizeof(identity.compile_host), "haneul");
        copy_text(identity.compiler, sizeof(identity.compiler), "gcc version " __VERSION__);
        identity.pid_max = pid::max();
        hooks::identity(identity);
    }

    ErrorOr<void> environment(i32 pid, KString& text) override
    {
        return with_process(pid, [&](Process& process) { return hooks::environment(process, text); });
    }

    ErrorOr<void> mappings(i32 pid, GrowableArray<MappingInfo>& mappings) override
    {
        return with_process(pid, [&](Process& process) { return hooks::mappings(process, mappings); });
    }

    ErrorOr<void> open_files(i32 pid, GrowableArray<OpenFileInfo>& files) override
    {
        return with_process(pid, [&](Process& process) { return hooks::open_files(process, files); });
    }

    ErrorOr<KString> link(i32 pid, ProcessLink link) override
    {
        KString target;
        TRY(with_process(pid, [&](Process& process) -> ErrorOr<void> {
            target = TRY(hooks::link(process, link));
            return {};
        }));
        return target;
    }

    ErrorOr<void> interrupts(GrowableArray<InterruptLine>& lines, u32& cpus) override
    {
        cpus = 0;
        Cpu* online[kMaxInterruptCpus] {};
        for (u32 i = 0; i < percpu::count() && cpus < kMaxInterruptCpus; ++i) {
            Cpu* cpu = percpu::cpu(i);
            if (cpu && cpu->online)
                online[cpus++] = cpu;
        }
        // The legacy IRQs that have a driver, with the PC's standard names.
        for (u8 irq = 0; irq < interrupts::kIsaIrqCount; ++irq) {
            if (!interrupts::has_handler(static_cast<u8>(interrupts::kIrqBase + irq)))
                continue;
            InterruptLine line;
            format(line.name, sizeof(line.name), "%u", irq);
            format(line.description, sizeof(line.description), "IO-APIC %3u-edge      %s", irq, isa_irq_name(irq));
            for (u32 c = 0; c < cpus; ++c)
                line.counts[c] = online[c]->irq_counts[irq];
            TRY(lines.try_append(line));
        }
        struct Architectural {
            const char* name;
            const char* description;
        };
        constexpr Architectural kLines[] = {
            { "NMI", " Non-maskable interrupts" },
            { "LOC", " Local timer interrupts" },
            { "SPU", " Spurious interrupts" },
            { "RES", " Rescheduling interrupts" },
            { "CAL", " Function call interrupts" },
            { "TLB", " TLB shootdowns" },
        };
        for (usize which = 0; which < sizeof(kLines) / sizeof(kLines[0]); ++which) {
            InterruptLine line;
            format(line.name, sizeof(line.name), "%s", kLines[which].name);
            format(line.description, sizeof(line.description), "%s", kLines[which].description);
            for (u32 c = 0; c < cpus; ++c) {
                Cpu const& cpu = *online[c];
                auto ipis = smp::ipi_counts(cpu.id);
                u64 counts[] = { cpu.nmis_handled, cpu.local_timer_interrupts, cpu.spurious_interrupts,
                    ipis.reschedule, ipis.call_function, ipis.tlb_shootdown };
                line.counts[c] = counts[which];
            }
            TRY(lines.try_append(line));
        }
        return {};
    }

    ErrorOr<void> devices(GrowableArray<DeviceInfo>& devices) override
    {
        // Linux's names for the majors Haneul's drivers use
        // (Documentation/admin-guide/devices.txt); a driver of another
        // major shows its own name.
        struct Known {
            u32 major;
            u32 first_minor;
            u32 last_minor;
            const char* name;
        };
        constexpr Known kKnown[] = {
            { 1, 0, 255, "mem" },
            { 4, 0, 0, "/dev/vc/0" },
            { 4, 1, 63, "tty" },
            { 4, 64, 255, "ttyS" },
            { 5, 0, 0, "/dev/tty" },
            { 5, 1, 1, "/dev/console" },
            { 5, 2, 2, "/dev/ptmx" },
            { 136, 0, 255, "pts" },
        };
        ErrorOr<void> result;
        vfs::char_devices().for_each([&](vfs::CharDevice& device) {
            DeviceInfo info;
            info.major = device.major();
            StringView name = device.name();
            for (auto const& known : kKnown) {
                if (known.major == device.major() && device.minor() >= known.first_minor && device.minor() <= known.last_minor)
                    name = known.name;
            }
            name.copy_to(info.name, sizeof(info.name));
            for (auto const& listed : devices) {
                if (listed.major == info.major && StringView(listed.name) == StringView(info.name))
                    return;
            }
            if (!result.is_error())
                result = devices.try_append(info);
        });
        TRY(result);
        devices.sort([](DeviceInfo const& a, DeviceInfo const& b) { return a.major < b.major; });
        return {};
    }

    ErrorOr<void> refresh_pid_cache()
    {
        GrowableArray<i32> pids;
        ErrorOr<void> listed;
        ::process::for_each([&](Process& process, ThreadSnapshots const&) {
            if (process.pid() > 0 && !listed.is_error())
                listed = pids.try_append(process.pid());
        });
        TRY(listed);
        replace_pid_cache(std::move(pids));
        return {};
    }

private:
    // Runs `body(process)` with a reference to process `pid` held; ENOENT
    // when there is no such process.
    template<typename Body>
    static ErrorOr<void> with_process(i32 pid, Body body)
    {
        auto found = ::process::find(pid);
        if (found.is_error())
            return Error::from_errno(ENOENT);
        Process* process = found.value();
        auto result = body(*process);
        process->unref();
        return result;
    }

    // The devices the PC/AT wired to each ISA IRQ.
    static const char* isa_irq_name(u8 irq)
    {
        constexpr const char* kNames[16] = { "timer", "i8042", "cascade", "ttyS1", "ttyS0", "parport1", "floppy",
            "parport0", "rtc0", "acpi", "", "", "i8042", "fpu", "ata_piix", "ata_piix" };
        return irq < 16 ? kNames[irq] : "";
    }

    void replace_pid_cache(GrowableArray<i32>&& pids)
    {
        auto* fresh = new (std::nothrow) GrowableArray<i32>(std::move(pids));
        if (!fresh)
            return; // the old list stays; it is only a fallback
        GrowableArray<i32>* old;
        {
            SpinlockLocker locker(m_cache_lock);
            old = m_cached_pids;
            m_cached_pids = fresh;
        }
        delete old;
    }

    static void fill_memory(MemoryInfo& memory)
    {
        auto stats = mm::memory_stats();
        memory.total = stats.total_bytes - stats.reserved_bytes;
        memory.free = stats.free_bytes;
        memory.available = stats.free_bytes;
        memory.slab_unreclaimable = kmalloc_stats().bytes_from_pages;
        memory.kernel_stack = mm::kernel_stacks_in_use() * mm::kKernelStackSize;
        // Linux's default overcommit ratio: half of RAM, plus swap (none).
        memory.commit_limit = memory.total / 2;
        hooks::memory_counters(memory);
    }

    // CPUID of the CPU this runs on; Haneul's CPUs are all the same model.
    static CpuInfo this_model()
    {
        CpuInfo info;
        auto leaf0 = cpu::cpuid(0);
        info.cpuid_level = leaf0.eax;
        memcpy(info.vendor, &leaf0.ebx, 4);
        memcpy(info.vendor + 4, &leaf0.edx, 4);
        memcpy(info.vendor + 8, &leaf0.ecx, 4);
        if (leaf0.eax >= 1) {
            auto leaf1 = cpu::cpuid(1);
            info.family = (leaf1.eax >> 8) & 0xf;
            if (info.family == 0xf)
                info.family += (leaf1.eax >> 20) & 0xff;
            info.model = (leaf1.eax >> 4) & 0xf;
            if (info.family >= 6)
                info.model += ((leaf1.eax >> 16) & 0xf) << 4;
            info.stepping = leaf1.eax & 0xf;
            info.clflush_size = ((leaf1.ebx >> 8) & 0xff) * 8;
            info.leaf1_edx = leaf1.edx;
            info.leaf1_ecx = leaf1.ecx;
        }
        if (leaf0.eax >= 7)
            info.leaf7_ebx = cpu::cpuid(7, 0).ebx;
        u32 extended = cpu::cpuid(0x80000000).eax;
        if (extended >= 0x80000001) {
            auto leaf = cpu::cpuid(0x80000001);
            info.extended_edx = leaf.edx;
            info.extended_ecx = leaf.ecx;
        }
        if (extended >= 0x80000004) {
            char brand[49] {};
            for (u32 i = 0; i < 3; ++i) {
                auto part = cpu::cpuid(0x80000002 + i);
                memcpy(brand + i * 16, &part, 16);
            }
            StringView(brand).trim_whitespace().copy_to(info.model_name, sizeof(info.model_name));
        }
        if (extended >= 0x80000006)
            info.cache_kb = cpu::cpuid(0x80000006).ecx >> 16;
        if (extended >= 0x80000008) {
            auto sizes = cpu::cpuid(0x80000008);
            info.physical_address_bits = sizes.eax & 0xff;
            info.virtual_address_bits = (sizes.eax >> 8) & 0xff;
        }
        info.khz = ktime::tsc_hz() / 1000;
        return info;
    }

    Spinlock m_cache_lock { "procfs pid cache" };
    GrowableArray<i32>* m_cached_pids { nullptr }; // never freed: lives as long as the kernel
};

constinit KernelSource s_source;

}

ProcSource& kernel_source() { return s_source; }

ErrorOr<void> init()
{
    TRY(register_type(s_source));
    if (may_sleep())
        TRY(s_source.refresh_pid_cache());
    return {};
}

void refresh_process_list()
{
    if (may_sleep())
        (void)s_source.refresh_pid_cache();
}

}
