// Linux's procfs text formats (fs/procfs/formats.h). Each function names
// the Linux source it follows; the widths, tabs and trailing spaces are
// theirs, down to the space after the last group of "Groups:".
#include <fs/procfs/formats.h>
#include <fs/vfs/abi.h>
#include <fs/vfs/filesystem_type.h>
#include <lib/string.h>

namespace procfs::formats {

namespace {

constexpr u64 kRlimitInfinity = ~0ull;
// CAP_LAST_CAP of Linux 6.x is 40 (CAP_CHECKPOINT_RESTORE).
constexpr u64 kAllCapabilities = (1ull << 41) - 1;
// RLIMIT_SIGPENDING shown in SigQ: Linux derives it from memory; a fixed
// value of the same order keeps the field well formed.
constexpr u64 kSignalQueueLimit = 15'000;

StringView comm_of(char const (&comm)[kCommLength])
{
    return StringView(comm, strnlen(comm, kCommLength));
}

ThreadInfo leader_of(ProcessInfo const& process)
{
    if (!process.threads.is_empty())
        return process.threads[0];
    // A zombie: its threads are gone; Linux still shows the group leader.
    ThreadInfo leader;
    leader.tid = process.pid;
    leader.state = process.state;
    memcpy(leader.comm, process.comm, kCommLength);
    leader.user_ns = process.user_ns;
    leader.system_ns = process.system_ns;
    leader.voluntary_switches = process.voluntary_switches;
    leader.involuntary_switches = process.involuntary_switches;
    leader.start_ns = process.start_ns;
    return leader;
}

u32 thread_count(ProcessInfo const& process)
{
    return process.threads.is_empty() ? 1 : static_cast<u32>(process.threads.size());
}

u64 kb(u64 bytes) { return bytes >> 10; }
u64 pages_kb(u64 pages) { return pages * (kPageSize / 1024); }

u64 page_align(u64 address) { return (address + kPageSize - 1) & ~(kPageSize - 1); }

// Linux's task_mem and task_statm: the text segment, capped by the
// executable mappings; the rest of those are libraries.
u64 text_bytes(ProcessMemory const& memory)
{
    if (memory.end_code < memory.start_code)
        return 0;
    u64 text = page_align(memory.end_code) - (memory.start_code & ~(kPageSize - 1));
    u64 exec = memory.exec_pages * kPageSize;
    return text < exec ? text : exec;
}

}

const char* state_name(char letter)
{
    switch (letter) {
    case 'R':
        return "R (running)";
    case 'S':
        return "S (sleeping)";
    case 'D':
        return "D (disk sleep)";
    case 'T':
        return "T (stopped)";
    case 't':
        return "t (tracing stop)";
    case 'X':
        return "X (dead)";
    case 'Z':
        return "Z (zombie)";
    case 'P':
        return "P (parked)";
    case 'I':
        return "I (idle)";
    default:
        return "R (running)";
    }
}

i64 priority_of(ThreadInfo const& thread)
{
    if (thread.policy == 1 || thread.policy == 2)
        return -1 - static_cast<i64>(thread.rt_priority);
    return 20 + thread.nice;
}

// fs/proc/array.c do_task_stat: 52 fields.
void process_stat(ProcessInfo const& process, ThreadInfo const* thread, TextBuffer& out)
{
    ThreadInfo const leader = leader_of(process);
    ThreadInfo const& task = thread ? *thread : leader;
    bool whole = !thread;
    ProcessMemory const& memory = process.memory;
    bool mm = memory.has_address_space;
    u32 threads = thread_count(process);

    u64 utime = whole ? process.user_ns : task.user_ns;
    u64 stime = whole ? process.system_ns : task.system_ns;
    u64 min_flt = whole ? process.minor_faults : task.minor_faults;
    u64 maj_flt = whole ? process.major_faults : task.major_faults;
    char state = whole ? process.state : task.state;
    // Since Linux 5.16 wchan is only "blocked or not", and 0 for a whole
    // multi-threaded process.
    u64 wchan = (!whole || threads < 2) && state != 'R' ? 1 : 0;

    out.appendf("%d (", whole ? process.pid : task.tid);
    out.append(comm_of(whole ? process.comm : task.comm));
    out.appendf(") %c %d %d %d %d %d %u", state, process.ppid, process.pgid, process.sid, static_cast<int>(process.tty),
        process.tty_pgid, process.flags);
    out.appendf(" %lu %lu %lu %lu", min_flt, process.children_minor_faults, maj_flt, process.children_major_faults);
    out.appendf(" %lu %lu %ld %ld", ticks(utime), ticks(stime), static_cast<i64>(ticks(process.children_user_ns)),
        static_cast<i64>(ticks(process.children_system_ns)));
    out.appendf(" %ld %ld %ld 0 %lu", priority_of(task), static_cast<i64>(task.nice), static_cast<i64>(threads),
        ticks(whole ? process.start_ns : task.start_ns));
    out.appendf(" %lu %lu %lu", mm ? memory.total_pages * kPageSize : 0, mm ? memory.rss_pages() : 0, kRlimitInfinity);
    out.appendf(" %lu %lu %lu 0 0", mm ? memory.start_code : 0, mm ? memory.end_code : 0, mm ? memory.start_stack : 0);
    // The obsolete decimal signal masks: the first 31 signals only.
    out.appendf(" %lu %lu %lu %lu", task.pending_signals & 0x7fffffff, task.blocked_signals & 0x7fffffff,
        process.ignored_signals & 0x7fffffff, process.caught_signals & 0x7fffffff);
    out.appendf(" %lu 0 0 %d %u %u %u 0 0 0", wchan, process.exit_signal, task.cpu, task.rt_priority, task.policy);
    if (mm) {
        out.appendf(" %lu %lu %lu %lu %lu %lu %lu", memory.start_data, memory.end_data, memory.start_brk, memory.arg_start,
            memory.arg_end, memory.env_start, memory.env_end);
    } else {
        out.append(" 0 0 0 0 0 0 0");
    }
    out.appendf(" %d\n", process.exit_code);
}

// fs/proc/array.c proc_pid_status: task_name, task_state, task_mem,
// task_sig, task_cap, task_seccomp, task_cpus_allowed,
// cpuset_task_status_allowed, task_context_switch_counts.
void process_status(ProcessInfo const& process, ThreadInfo const* thread, u32 cpu_count, TextBuffer& out)
{
    ThreadInfo const leader = leader_of(process);
    ThreadInfo const& task = thread ? *thread : leader;
    bool whole = !thread;
    Credentials const& ids = process.credentials;

    out.append("Name:\t");
    // task_name escapes backslashes and newlines.
    for (char c : comm_of(whole ? process.comm : task.comm)) {
        if (c == '\\')
            out.append("\\\\");
        else if (c == '\n')
            out.append("\\n");
        else
            out.append(c);
    }
    out.appendf("\nUmask:\t%04o\n", process.umask & 0777);
    out.appendf("State:\t%s\n", state_name(whole ? process.state : task.state));
    out.appendf("Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", process.pid, whole ? process.pid : task.tid,
        process.ppid);
    out.appendf("Uid:\t%u\t%u\t%u\t%u\n", ids.uid, ids.euid, ids.suid, ids.euid);
    out.appendf("Gid:\t%u\t%u\t%u\t%u\n", ids.gid, ids.egid, ids.sgid, ids.egid);
    out.appendf("FDSize:\t%u\nGroups:\t", process.fd_slots);
    for (u32 i = 0; i < ids.group_count && i < Credentials::kMaxGroups; ++i)
        out.appendf(i ? " %u" : "%u", ids.groups[i]);
    out.append(" \n");
    out.appendf("NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", process.pid, whole ? process.pid : task.tid,
        process.pgid, process.sid);

    ProcessMemory const& memory = process.memory;
    if (memory.has_address_space) {
        u64 rss = memory.rss_pages();
        u64 peak_rss = memory.peak_rss_pages > rss ? memory.peak_rss_pages : rss;
        u64 peak_vm = memory.peak_total_pages > memory.total_pages ? memory.peak_total_pages : memory.total_pages;
        u64 text = text_bytes(memory);
        u64 lib = memory.exec_pages * kPageSize - text;
        struct Line {
            const char* name;
            u64 kb;
        };
        Line const lines[] = {
            { "VmPeak", pages_kb(peak_vm) },
            { "VmSize", pages_kb(memory.total_pages) },
            { "VmLck", pages_kb(memory.locked_pages) },
            { "VmPin", pages_kb(memory.pinned_pages) },
            { "VmHWM", pages_kb(peak_rss) },
            { "VmRSS", pages_kb(rss) },
            { "RssAnon", pages_kb(memory.rss_anon_pages) },
            { "RssFile", pages_kb(memory.rss_file_pages) },
            { "RssShmem", pages_kb(memory.rss_shmem_pages) },
            { "VmData", pages_kb(memory.data_pages) },
            { "VmStk", pages_kb(memory.stack_pages) },
            { "VmExe", kb(text) },
            { "VmLib", kb(lib) },
            { "VmPTE", kb(memory.page_table_bytes) },
            { "VmSwap", pages_kb(memory.swap_pages) },
            { "HugetlbPages", 0 },
        };
        for (auto const& line : lines)
            out.appendf("%s:\t%8lu kB\n", line.name, line.kb);
        out.append("CoreDumping:\t0\nTHP_enabled:\t0\n");
    }

    u64 pending = task.pending_signals;
    out.appendf("Threads:\t%u\nSigQ:\t0/%lu\n", thread_count(process), kSignalQueueLimit);
    out.appendf("SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n", pending,
        process.shared_pending_signals, task.blocked_signals, process.ignored_signals, process.caught_signals);
    u64 capabilities = ids.euid == 0 ? kAllCapabilities : 0;
    u64 permitted = ids.uid == 0 || ids.euid == 0 || ids.suid == 0 ? kAllCapabilities : 0;
    out.appendf("CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\nCapAmb:\t%016lx\n", 0ul, permitted,
        capabilities, kAllCapabilities, 0ul);
    // Speculation controls: what Linux prints where the architecture
    // answers EINVAL (no prctl control).
    out.append("NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
               "Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunsupported\n");
    out.append("Cpus_allowed:\t");
    bitmap_hex(task.affinity, cpu_count, out);
    out.append("\nCpus_allowed_list:\t");
    bitmap_list(task.affinity, cpu_count, out);
    out.append("\nMems_allowed:\t1\nMems_allowed_list:\t0\n");
    out.appendf("voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n",
        whole ? process.voluntary_switches : task.voluntary_switches,
        whole ? process.involuntary_switches : task.involuntary_switches);
}

// fs/proc/array.c proc_pid_statm: size resident shared text lib data dt.
void process_statm(ProcessInfo const& process, TextBuffer& out)
{
    ProcessMemory const& memory = process.memory;
    if (!memory.has_address_space) {
        out.append("0 0 0 0 0 0 0\n");
        return;
    }
    u64 shared = memory.rss_file_pages + memory.rss_shmem_pages;
    u64 text = memory.end_code >= memory.start_code
        ? (page_align(memory.end_code) - (memory.start_code & ~(kPageSize - 1))) / kPageSize
        : 0;
    out.appendf("%lu %lu %lu %lu 0 %lu 0\n", memory.total_pages, memory.rss_pages(), shared, text,
        memory.data_pages + memory.stack_pages);
}

void process_comm(ProcessInfo const& process, ThreadInfo const* thread, TextBuffer& out)
{
    out.append(comm_of(thread ? thread->comm : process.comm));
    out.append('\n');
}

void process_cmdline(ProcessInfo const& process, TextBuffer& out)
{
    out.append(process.cmdline.view());
}

// fs/proc/base.c proc_pid_limits: the table's columns are 25, 20, 20 and
// 10 wide; the nice and realtime-priority limits have no unit.
void process_limits(ProcessInfo const& process, TextBuffer& out)
{
    struct Name {
        const char* name;
        const char* unit;
    };
    constexpr Name kNames[kLimitCount] = {
        { "Max cpu time", "seconds" },
        { "Max file size", "bytes" },
        { "Max data size", "bytes" },
        { "Max stack size", "bytes" },
        { "Max core file size", "bytes" },
        { "Max resident set", "bytes" },
        { "Max processes", "processes" },
        { "Max open files", "files" },
        { "Max locked memory", "bytes" },
        { "Max address space", "bytes" },
        { "Max file locks", "locks" },
        { "Max pending signals", "signals" },
        { "Max msgqueue size", "bytes" },
        { "Max nice priority", nullptr },
        { "Max realtime priority", nullptr },
        { "Max realtime timeout", "us" },
    };
    out.appendf("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (usize i = 0; i < kLimitCount; ++i) {
        out.appendf("%-25s ", kNames[i].name);
        for (u64 value : { process.limits[i].soft, process.limits[i].hard }) {
            if (value == kRlimitInfinity)
                out.appendf("%-20s ", "unlimited");
            else
                out.appendf("%-20lu ", value);
        }
        if (kNames[i].unit)
            out.appendf("%-10s", kNames[i].unit);
        out.append('\n');
    }
}

// fs/proc/task_mmu.c show_map_vma: a named line is padded to 72
// characters (25 + 6 * sizeof(void*) - 1) and one more space, so the name
// starts at offset 73; an anonymous mapping's line ends in the space after
// the inode.
void process_maps(GrowableArray<MappingInfo> const& mappings, TextBuffer& out)
{
    constexpr usize kNameColumn = 25 + 6 * 8 - 1;
    for (auto const& mapping : mappings) {
        usize line_start = out.length();
        out.appendf("%08lx-%08lx %c%c%c%c %08lx %02lx:%02lx %lu ", mapping.start, mapping.end,
            (mapping.prot & 1) ? 'r' : '-', (mapping.prot & 2) ? 'w' : '-', (mapping.prot & 4) ? 'x' : '-',
            mapping.shared ? 's' : 'p', mapping.offset, (mapping.device >> 8) & 0xfff, mapping.device & 0xff,
            mapping.inode);
        if (!mapping.name.is_empty()) {
            for (usize column = out.length() - line_start; column < kNameColumn; ++column)
                out.append(' ');
            out.append(' ');
            out.append_escaped(mapping.name.view(), StringView("\n"));
        }
        out.append('\n');
    }
}

// fs/proc/fd.c seq_show.
void process_fdinfo(OpenFileInfo const& file, TextBuffer& out)
{
    out.appendf("pos:\t%lu\nflags:\t0%o\nmnt_id:\t%u\nino:\t%lu\n", file.position, file.flags, file.mount_id,
        file.inode);
}

// arch/x86/kernel/irq.c and kernel/irq/proc.c show_interrupts: a header of
// CPU columns after 11 spaces, then each line's name right-aligned in 3,
// a colon, one 10-wide count per CPU, and what the interrupt is.
void interrupts(GrowableArray<InterruptLine> const& lines, u32 cpus, TextBuffer& out)
{
    if (cpus > kMaxInterruptCpus)
        cpus = kMaxInterruptCpus;
    out.appendf("%11s", "");
    for (u32 cpu = 0; cpu < cpus; ++cpu)
        out.appendf("CPU%-8u", cpu);
    out.append('\n');
    for (auto const& line : lines) {
        out.appendf("%3s: ", line.name);
        for (u32 cpu = 0; cpu < cpus; ++cpu)
            out.appendf("%10lu ", line.counts[cpu]);
        out.appendf(" %s\n", line.description);
    }
}

// fs/proc/devices.c: character devices, a blank line, block devices.
void devices(GrowableArray<DeviceInfo> const& devices, TextBuffer& out)
{
    for (bool block : { false, true }) {
        out.append(block ? "\nBlock devices:\n" : "Character devices:\n");
        for (auto const& device : devices) {
            if (device.is_block == block)
                out.appendf("%3u %s\n", device.major, device.name);
        }
    }
}

// fs/proc/meminfo.c meminfo_proc_show (x86-64, Linux 6.1): a 16-column
// label, the value right-aligned in 8, " kB".
void meminfo(MemoryInfo const& m, TextBuffer& out)
{
    auto line = [&](const char* label, u64 bytes) { out.appendf("%-16s%8lu kB\n", label, kb(bytes)); };
    line("MemTotal:", m.total);
    line("MemFree:", m.free);
    line("MemAvailable:", m.available);
    line("Buffers:", m.buffers);
    line("Cached:", m.cached);
    line("SwapCached:", m.swap_cached);
    line("Active:", m.active_anon + m.active_file);
    line("Inactive:", m.inactive_anon + m.inactive_file);
    line("Active(anon):", m.active_anon);
    line("Inactive(anon):", m.inactive_anon);
    line("Active(file):", m.active_file);
    line("Inactive(file):", m.inactive_file);
    line("Unevictable:", m.unevictable);
    line("Mlocked:", m.mlocked);
    line("SwapTotal:", m.swap_total);
    line("SwapFree:", m.swap_free);
    line("Dirty:", m.dirty);
    line("Writeback:", m.writeback);
    line("AnonPages:", m.anon_pages);
    line("Mapped:", m.mapped);
    line("Shmem:", m.shmem);
    line("KReclaimable:", m.kreclaimable);
    line("Slab:", m.slab_reclaimable + m.slab_unreclaimable);
    line("SReclaimable:", m.slab_reclaimable);
    line("SUnreclaim:", m.slab_unreclaimable);
    line("KernelStack:", m.kernel_stack);
    line("PageTables:", m.page_tables);
    line("NFS_Unstable:", 0);
    line("Bounce:", 0);
    line("WritebackTmp:", 0);
    line("CommitLimit:", m.commit_limit);
    line("Committed_AS:", m.committed);
    line("VmallocTotal:", m.vmalloc_total);
    line("VmallocUsed:", m.vmalloc_used);
    line("VmallocChunk:", 0);
    line("Percpu:", m.percpu);
    out.appendf("HardwareCorrupted: %5lu kB\n", 0ul);
    line("AnonHugePages:", 0);
    line("ShmemHugePages:", 0);
    line("ShmemPmdMapped:", 0);
    line("FileHugePages:", 0);
    line("FilePmdMapped:", 0);
    // mm/hugetlb.c hugetlb_report_meminfo.
    out.appendf("HugePages_Total:   %5lu\nHugePages_Free:    %5lu\nHugePages_Rsvd:    %5lu\nHugePages_Surp:    %5lu\n", 0ul,
        0ul, 0ul, 0ul);
    line("Hugepagesize:", 2 * 1024 * 1024);
    line("Hugetlb:", 0);
    // arch/x86/mm/pat/set_memory.c arch_report_meminfo.
    line("DirectMap4k:", m.direct_map_4k);
    line("DirectMap2M:", m.direct_map_2m);
    line("DirectMap1G:", m.direct_map_1g);
}

// fs/proc/uptime.c: seconds and hundredths, truncated.
void uptime(SystemInfo const& system, TextBuffer& out)
{
    constexpr u64 kNsPerSecond = 1'000'000'000;
    out.appendf("%lu.%02lu %lu.%02lu\n", system.uptime_ns / kNsPerSecond, system.uptime_ns % kNsPerSecond / kNsPerTick,
        system.idle_ns / kNsPerSecond, system.idle_ns % kNsPerSecond / kNsPerTick);
}

// fs/proc/loadavg.c: LOAD_INT and LOAD_FRAC of the averages plus
// FIXED_1/200 (rounding to the nearest hundredth).
void loadavg(SystemInfo const& system, TextBuffer& out)
{
    constexpr u64 kFixedShift = 11;
    constexpr u64 kFixed1 = 1ull << kFixedShift;
    for (u64 average : system.load_average) {
        u64 rounded = average + kFixed1 / 200;
        out.appendf("%lu.%02lu ", rounded >> kFixedShift, ((rounded & (kFixed1 - 1)) * 100) >> kFixedShift);
    }
    out.appendf("%u/%d %d\n", system.running_threads, static_cast<int>(system.total_threads), system.last_pid);
}

// fs/proc/stat.c show_stat. The first line sums the CPUs in nanoseconds
// and converts once, as Linux does.
void stat(SystemInfo const& system, TextBuffer& out)
{
    auto times = [&](CpuTimes const& t) {
        out.appendf(" %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu\n", ticks(t.user), ticks(t.nice), ticks(t.system),
            ticks(t.idle), ticks(t.iowait), ticks(t.irq), ticks(t.softirq), ticks(t.steal), ticks(t.guest),
            ticks(t.guest_nice));
    };
    CpuTimes sum;
    for (auto const& cpu : system.cpu_times) {
        sum.user += cpu.user;
        sum.nice += cpu.nice;
        sum.system += cpu.system;
        sum.idle += cpu.idle;
        sum.iowait += cpu.iowait;
        sum.irq += cpu.irq;
        sum.softirq += cpu.softirq;
        sum.steal += cpu.steal;
        sum.guest += cpu.guest;
        sum.guest_nice += cpu.guest_nice;
    }
    out.append("cpu ");
    times(sum);
    for (usize i = 0; i < system.cpu_times.size(); ++i) {
        out.appendf("cpu%zu", i);
        times(system.cpu_times[i]);
    }
    out.appendf("intr %lu\nctxt %lu\nbtime %lu\nprocesses %lu\nprocs_running %u\nprocs_blocked %u\n", system.interrupts,
        system.context_switches, system.boot_time_s, system.forks, system.running_threads, system.blocked_threads);
    out.append("softirq 0 0 0 0 0 0 0 0 0 0 0\n");
}

namespace {

// Linux's x86 capability names (arch/x86/include/asm/cpufeatures.h), one
// table per CPUID word; null where Linux shows nothing.
constexpr const char* kLeaf1Edx[32] = { "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", nullptr,
    "sep", "mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", nullptr, "dts", "acpi", "mmx", "fxsr", "sse",
    "sse2", "ss", "ht", "tm", "ia64", "pbe" };
constexpr const char* kExtendedEdx[32] = { nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
    nullptr, nullptr, nullptr, "syscall", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, "mp", "nx",
    nullptr, "mmxext", nullptr, nullptr, "fxsr_opt", "pdpe1gb", "rdtscp", nullptr, "lm", "3dnowext", "3dnow" };
constexpr const char* kLeaf1Ecx[32] = { "pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2",
    "ssse3", "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", nullptr, "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe",
    "popcnt", "tsc_deadline_timer", "aes", "xsave", nullptr, "avx", "f16c", "rdrand", "hypervisor" };
constexpr const char* kExtendedEcx[32] = { "lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a",
    "misalignsse", "3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", nullptr, "lwp", "fma4", "tce", nullptr,
    "nodeid_msr", nullptr, "tbm", "topoext", "perfctr_core", "perfctr_nb", nullptr, "bpext", "ptsc", "perfctr_llc",
    "mwaitx", nullptr, nullptr };
constexpr const char* kLeaf7Ebx[32] = { "fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", nullptr, "smep", "bmi2",
    "erms", "invpcid", "rtm", "cqm", nullptr, "mpx", "rdt_a", "avx512f", "avx512dq", "rdseed", "adx", "smap",
    "avx512ifma", nullptr, "clflushopt", "clwb", "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw",
    "avx512vl" };

void flag_names(u32 word, const char* const (&names)[32], TextBuffer& out)
{
    for (u32 bit = 0; bit < 32; ++bit) {
        if ((word & (1u << bit)) && names[bit]) {
            out.append(' ');
            out.append(names[bit]);
        }
    }
}

}

// arch/x86/kernel/cpu/proc.c show_cpuinfo: one block per CPU, a blank
// line after each.
void cpuinfo(GrowableArray<CpuInfo> const& cpus, TextBuffer& out)
{
    for (auto const& cpu : cpus) {
        out.appendf("processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\nstepping\t: %u\n",
            cpu.number, cpu.vendor[0] ? cpu.vendor : "unknown", cpu.family, cpu.model,
            cpu.model_name[0] ? cpu.model_name : "unknown", cpu.stepping);
        if (cpu.khz)
            out.appendf("cpu MHz\t\t: %lu.%03lu\n", cpu.khz / 1000, cpu.khz % 1000);
        if (cpu.cache_kb)
            out.appendf("cache size\t: %u KB\n", cpu.cache_kb);
        out.appendf("physical id\t: %u\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\napicid\t\t: %u\ninitial apicid\t: %u\n",
            cpu.physical_id, cpu.siblings, cpu.core_id, cpu.cores, cpu.apic_id, cpu.apic_id);
        out.appendf("fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n", cpu.cpuid_level);
        out.append("flags\t\t:");
        flag_names(cpu.leaf1_edx, kLeaf1Edx, out);
        flag_names(cpu.extended_edx, kExtendedEdx, out);
        flag_names(cpu.leaf1_ecx, kLeaf1Ecx, out);
        flag_names(cpu.extended_ecx, kExtendedEcx, out);
        flag_names(cpu.leaf7_ebx, kLeaf7Ebx, out);
        // BogoMIPS: twice the clock, as Linux's calibrated delay loop gives
        // on a CPU with a constant TSC.
        u64 bogo_hundredths = cpu.khz / 5;
        out.appendf("\nbugs\t\t:\nbogomips\t: %lu.%02lu\n", bogo_hundredths / 100, bogo_hundredths % 100);
        out.appendf("clflush size\t: %u\ncache_alignment\t: %u\naddress sizes\t: %u bits physical, %u bits virtual\n",
            cpu.clflush_size, cpu.clflush_size, cpu.physical_address_bits, cpu.virtual_address_bits);
        out.append("power management:\n\n");
    }
}

// fs/proc/version.c: linux_proc_banner.
void version(SystemIdentity const& identity, TextBuffer& out)
{
    out.appendf("%s version %s (%s@%s) (%s) %s\n", identity.sysname, identity.release, identity.compile_by,
        identity.compile_host, identity.compiler, identity.version);
}

// fs/proc_namespace.c show_vfsmnt: device, mountpoint and type escaped
// with seq_escape's " \t\n\\", then the mount options, then "0 0".
void mounts(GrowableArray<MountInfo> const& list, TextBuffer& out)
{
    constexpr StringView kEscaped(" \t\n\\");
    for (auto const& mount : list) {
        out.append_escaped(mount.source.is_empty() ? StringView("none") : mount.source.view(), kEscaped);
        out.append(' ');
        out.append_escaped(mount.path.view(), kEscaped);
        out.append(' ');
        out.append_escaped(mount.type.view(), kEscaped);
        out.append(mount.flags & MS_RDONLY ? " ro" : " rw");
        struct Option {
            u32 flag;
            const char* name;
        };
        constexpr Option kOptions[] = {
            { MS_NOSUID, ",nosuid" },
            { MS_NODEV, ",nodev" },
            { MS_NOEXEC, ",noexec" },
            { MS_NOATIME, ",noatime" },
            { MS_NODIRATIME, ",nodiratime" },
        };
        for (auto const& option : kOptions) {
            if (mount.flags & option.flag)
                out.append(option.name);
        }
        // Linux mounts are relatime unless told noatime or strictatime.
        if (!(mount.flags & (MS_NOATIME | MS_STRICTATIME)))
            out.append(",relatime");
        if (mount.flags & MS_NOSYMFOLLOW)
            out.append(",nosymfollow");
        out.append(" 0 0\n");
    }
}

// fs/filesystems.c filesystems_proc_show. The VFS keeps no list to walk,
// so the types Linux knows are probed by name, in Linux's usual order.
void filesystems(TextBuffer& out)
{
    struct Known {
        const char* name;
        bool needs_device;
    };
    constexpr Known kKnown[] = {
        { "sysfs", false }, { "tmpfs", false }, { "bdev", false }, { "proc", false }, { "cgroup", false },
        { "cgroup2", false }, { "cpuset", false }, { "devtmpfs", false }, { "configfs", false }, { "debugfs", false },
        { "tracefs", false }, { "securityfs", false }, { "sockfs", false }, { "bpf", false }, { "pipefs", false },
        { "ramfs", false }, { "hugetlbfs", false }, { "devpts", false }, { "ext3", true }, { "ext2", true },
        { "ext4", true }, { "squashfs", true }, { "vfat", true }, { "iso9660", true }, { "mqueue", false },
        { "autofs", false }, { "fuse", false }, { "overlay", false },
    };
    for (auto const& type : kKnown) {
        if (vfs::find_filesystem_type(type.name))
            out.appendf("%s\t%s\n", type.needs_device ? "" : "nodev", type.name);
    }
}

void bitmap_hex(u64 mask, u32 bits, TextBuffer& out)
{
    if (bits == 0 || bits > 64)
        bits = 64;
    if (bits < 64)
        mask &= (1ull << bits) - 1;
    // Groups of 32 bits, most significant first; the first only as wide
    // as its bits need.
    u32 groups = (bits + 31) / 32;
    for (u32 group = groups; group-- > 0;) {
        u32 value = static_cast<u32>(mask >> (group * 32));
        u32 group_bits = group == groups - 1 ? bits - group * 32 : 32;
        out.appendf(group == groups - 1 ? "%0*x" : ",%0*x", static_cast<int>((group_bits + 3) / 4), value);
    }
}

void bitmap_list(u64 mask, u32 bits, TextBuffer& out)
{
    if (bits == 0 || bits > 64)
        bits = 64;
    bool first = true;
    for (u32 bit = 0; bit < bits;) {
        if (!(mask & (1ull << bit))) {
            ++bit;
            continue;
        }
        u32 end = bit;
        while (end + 1 < bits && (mask & (1ull << (end + 1))))
            ++end;
        out.appendf(first ? "%u" : ",%u", bit);
        if (end > bit)
            out.appendf("-%u", end);
        first = false;
        bit = end + 1;
    }
}

}
