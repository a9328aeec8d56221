// /proc (kernel/fs/procfs) through the VFS, served by a fake ProcSource:
// Linux's exact text of stat (52 fields), status, statm, meminfo, uptime,
// loadavg, /proc/stat, mounts; the tree (fixed entries, one directory per
// process, task/<tid>), /proc/self and thread-self; ENOENT for a PID that
// does not exist or has gone since the listing; reads at offsets, short
// reads and snapshots that stay consistent while the process changes.
#include "fs_test_fixture.h"
#include <algorithm>
#include <fs/procfs/formats.h>
#include <fs/procfs/mount_list.h>
#include <fs/procfs/procfs.h>
#include <functional>
#include <map>
#include <set>
#include <sstream>

using fs_test::FsTest;
using procfs::ProcessInfo;
using procfs::ThreadInfo;

namespace {

void set_comm(char (&comm)[procfs::kCommLength], const char* name)
{
    snprintf(comm, sizeof(comm), "%s", name);
}

class FakeSource final : public procfs::ProcSource {
public:
    using Filler = std::function<void(ProcessInfo&)>;

    void add(i32 pid, Filler filler) { m_processes[pid] = std::move(filler); }
    void remove(i32 pid) { m_processes.erase(pid); }

    ErrorOr<void> list_pids(procfs::GrowableArray<i32>& pids) override
    {
        // Newest first: procfs must sort.
        for (auto it = m_processes.rbegin(); it != m_processes.rend(); ++it)
            TRY(pids.try_append(it->first));
        return {};
    }

    ErrorOr<void> process(i32 pid, ProcessInfo& info) override
    {
        ++process_calls;
        auto it = m_processes.find(pid);
        if (it == m_processes.end())
            return Error::from_errno(ESRCH);
        info.pid = pid;
        it->second(info);
        return {};
    }

    i32 current_pid() override { return caller_pid; }
    i32 current_tid() override { return caller_tid; }

    ErrorOr<void> system(procfs::SystemInfo& info) override
    {
        info.memory = memory;
        info.uptime_ns = uptime_ns;
        info.idle_ns = idle_ns;
        for (int i = 0; i < 3; ++i)
            info.load_average[i] = load[i];
        info.running_threads = 1;
        info.blocked_threads = 0;
        info.total_threads = 23;
        info.last_pid = 45;
        info.boot_time_s = 1'700'000'000;
        info.forks = 46;
        info.context_switches = 12345;
        info.interrupts = 999;
        for (auto const& times : cpu_times)
            TRY(info.cpu_times.try_append(times));
        return {};
    }

    ErrorOr<void> cpus(procfs::GrowableArray<procfs::CpuInfo>& cpus) override
    {
        procfs::CpuInfo cpu;
        snprintf(cpu.vendor, sizeof(cpu.vendor), "GenuineIntel");
        snprintf(cpu.model_name, sizeof(cpu.model_name), "QEMU Virtual CPU version 2.5+");
        cpu.family = 6;
        cpu.model = 6;
        cpu.stepping = 3;
        cpu.cpuid_level = 13;
        cpu.khz = 2'995'200;
        cpu.cache_kb = 16384;
        cpu.leaf1_edx = (1u << 0) | (1u << 4) | (1u << 25) | (1u << 26); // fpu tsc sse sse2
        cpu.extended_edx = (1u << 29);                                      // lm
        for (u32 i = 0; i < 2; ++i) {
            cpu.number = i;
            cpu.apic_id = i;
            cpu.core_id = i;
            cpu.siblings = cpu.cores = 2;
            TRY(cpus.try_append(cpu));
        }
        return {};
    }

    u32 cpu_count() override { return 2; }

    ErrorOr<void> mounts(i32, procfs::GrowableArray<procfs::MountInfo>& list) override
    {
        if (!table)
            return {};
        return procfs::collect_mounts(*table, table->root(), list);
    }

    void identity(procfs::SystemIdentity& identity) override
    {
        snprintf(identity.sysname, sizeof(identity.sysname), "Linux");
        snprintf(identity.nodename, sizeof(identity.nodename), "haneul");
        snprintf(identity.release, sizeof(identity.release), "6.1.0-haneul");
        snprintf(identity.version, sizeof(identity.version), "#1 SMP PREEMPT_DYNAMIC Haneul");
        snprintf(identity.domainname, sizeof(identity.domainname), "(none)");
        snprintf(identity.compile_by, sizeof(identity.compile_by), "haneul");
        snprintf(identity.compile_host, sizeof(identity.compile_host), "build");
        snprintf(identity.compiler, sizeof(identity.compiler), "gcc version 12.2.0");
        identity.pid_max = 32768;
    }

    ErrorOr<void> environment(i32 pid, KString& text) override
    {
        if (!m_processes.count(pid))
            return Error::from_errno(ENOENT);
        text = TRY(KString::create(StringView("HOME=/root\0TERM=vt100\0", 23)));
        return {};
    }

    ErrorOr<void> mappings(i32 pid, procfs::GrowableArray<procfs::MappingInfo>& list) override
    {
        if (!m_processes.count(pid))
            return Error::from_errno(ENOENT);
        procfs::MappingInfo text;
        text.start = 0x400000;
        text.end = 0x401000;
        text.prot = 5;
        text.offset = 0;
        text.device = 0x0801;
        text.inode = 1234;
        text.name = TRY(KString::create("/bin/busybox"));
        TRY(list.try_append(std::move(text)));
        procfs::MappingInfo anonymous;
        anonymous.start = 0x7f0000000000;
        anonymous.end = 0x7f0000002000;
        anonymous.prot = 3;
        TRY(list.try_append(std::move(anonymous)));
        procfs::MappingInfo stack;
        stack.start = 0x7ffffffde000;
        stack.end = 0x7ffffffff000;
        stack.prot = 3;
        stack.name = TRY(KString::create("[stack]"));
        TRY(list.try_append(std::move(stack)));
        return {};
    }

    ErrorOr<void> open_files(i32 pid, procfs::GrowableArray<procfs::OpenFileInfo>& list) override
    {
        if (!m_processes.count(pid))
            return Error::from_errno(ENOENT);
        for (i32 fd : { 0, 1, 7 }) {
            procfs::OpenFileInfo file;
            file.fd = fd;
            file.target = TRY(KString::create(fd == 7 ? "pipe:[99]" : "/dev/pts/0"));
            file.flags = fd == 0 ? O_RDONLY : O_WRONLY | O_CLOEXEC;
            file.position = fd == 0 ? 12 : 0;
            file.inode = 99;
            file.mount_id = 3;
            TRY(list.try_append(std::move(file)));
        }
        return {};
    }

    ErrorOr<KString> link(i32 pid, procfs::ProcessLink link) override
    {
        if (!m_processes.count(pid))
            return Error::from_errno(ENOENT);
        return KString::create(link == procfs::ProcessLink::Executable ? "/bin/busybox"
                : link == procfs::ProcessLink::Cwd                     ? "/home/user"
                                                                       : "/");
    }

    ErrorOr<void> interrupts(procfs::GrowableArray<procfs::InterruptLine>& lines, u32& cpus) override
    {
        cpus = 2;
        procfs::InterruptLine keyboard;
        snprintf(keyboard.name, sizeof(keyboard.name), "1");
        snprintf(keyboard.description, sizeof(keyboard.description), "IO-APIC   1-edge      i8042");
        keyboard.counts[0] = 9;
        TRY(lines.try_append(keyboard));
        procfs::InterruptLine timer;
        snprintf(timer.name, sizeof(timer.name), "LOC");
        snprintf(timer.description, sizeof(timer.description), " Local timer interrupts");
        timer.counts[0] = 12345;
        timer.counts[1] = 678;
        TRY(lines.try_append(timer));
        return {};
    }

    ErrorOr<void> devices(procfs::GrowableArray<procfs::DeviceInfo>& list) override
    {
        procfs::DeviceInfo mem { 1, "mem", false };
        procfs::DeviceInfo tty { 5, "/dev/tty", false };
        TRY(list.try_append(mem));
        TRY(list.try_append(tty));
        return {};
    }

    i32 caller_pid { 0 };
    i32 caller_tid { 0 };
    procfs::MemoryInfo memory;
    u64 uptime_ns { 0 };
    u64 idle_ns { 0 };
    u64 load[3] {};
    std::vector<procfs::CpuTimes> cpu_times;
    vfs::MountTable* table { nullptr };
    int process_calls { 0 };

private:
    std::map<i32, Filler> m_processes;
};

// A kernel process: no address space, no argv, no terminal.
void kernel_process(ProcessInfo& p, const char* name, i32 tid)
{
    p.ppid = 0;
    p.state = 'S';
    set_comm(p.comm, name);
    p.is_kernel = true;
    p.flags = procfs::kTaskFlagKernelThread;
    p.user_ns = 0;
    p.system_ns = 30'000'000;
    p.start_ns = 10'000'000;
    p.voluntary_switches = 5;
    ThreadInfo thread;
    thread.tid = tid;
    thread.state = 'S';
    set_comm(thread.comm, name);
    thread.affinity = 3;
    thread.system_ns = 30'000'000;
    (void)p.threads.try_append(thread);
}

// The shell of the examples: user 1000, a terminal, an address space.
void shell_process(ProcessInfo& p)
{
    p.ppid = 1;
    p.pgid = 42;
    p.sid = 42;
    p.tty = (136 << 8) | 0; // /dev/pts/0
    p.tty_pgid = 42;
    p.state = 'S';
    set_comm(p.comm, "sh");
    p.flags = 0x400000;
    p.umask = 022;
    p.credentials = Credentials::user(1000, 100);
    p.credentials.group_count = 2;
    p.credentials.groups[0] = 100;
    p.credentials.groups[1] = 10;
    p.minor_faults = 100;
    p.children_minor_faults = 5;
    p.major_faults = 2;
    p.children_major_faults = 1;
    p.user_ns = 1'500'000'000;
    p.system_ns = 250'000'000;
    p.children_user_ns = 100'000'000;
    p.children_system_ns = 20'000'000;
    p.voluntary_switches = 7;
    p.involuntary_switches = 3;
    p.start_ns = 2'345'000'000;
    p.ignored_signals = 1u << (3 - 1);   // SIGQUIT
    p.caught_signals = 1u << (17 - 1);   // SIGCHLD
    p.fd_slots = 64;
    auto& m = p.memory;
    m.has_address_space = true;
    m.total_pages = 1000;
    m.rss_anon_pages = 100;
    m.rss_file_pages = 50;
    m.data_pages = 30;
    m.stack_pages = 33;
    m.exec_pages = 10;
    m.page_table_bytes = 45056;
    m.start_code = 0x400000;
    m.end_code = 0x401000;
    m.start_stack = 0x7fff0000;
    m.start_data = 0x402000;
    m.end_data = 0x403000;
    m.start_brk = 0x404000;
    m.arg_start = 0x7fff1000;
    m.arg_end = 0x7fff1010;
    m.env_start = 0x7fff1010;
    m.env_end = 0x7fff1020;
    p.cmdline = KString::create(StringView("sh\0-c\0ls\0", 9)).release_value();
    ThreadInfo thread;
    thread.tid = 42;
    thread.state = 'S';
    set_comm(thread.comm, "sh");
    thread.cpu = 1;
    thread.affinity = 3;
    thread.user_ns = 1'500'000'000;
    thread.system_ns = 250'000'000;
    thread.voluntary_switches = 7;
    thread.involuntary_switches = 3;
    thread.start_ns = 2'345'000'000;
    (void)p.threads.try_append(thread);
}

// A three-threaded process: 50 (main), 51 (worker, running), 52.
void threaded_process(ProcessInfo& p)
{
    p.ppid = 42;
    p.pgid = 50;
    p.sid = 42;
    p.state = 'R';
    set_comm(p.comm, "server");
    p.credentials = Credentials::user(1000, 100);
    p.user_ns = 3'000'000'000;
    const char* names[] = { "server", "worker", "server" };
    char states[] = { 'S', 'R', 'S' };
    for (int i = 0; i < 3; ++i) {
        ThreadInfo thread;
        thread.tid = 50 + i;
        thread.state = states[i];
        set_comm(thread.comm, names[i]);
        thread.cpu = static_cast<u32>(i % 2);
        thread.affinity = 3;
        thread.user_ns = 1'000'000'000;
        thread.policy = i == 1 ? 1 : 0; // the worker is SCHED_FIFO 10
        thread.rt_priority = i == 1 ? 10 : 0;
        thread.voluntary_switches = 10u + i;
        (void)p.threads.try_append(thread);
    }
}

std::vector<std::string> fields_of(std::string const& line)
{
    std::vector<std::string> fields;
    std::istringstream in(line);
    for (std::string field; in >> field;)
        fields.push_back(field);
    return fields;
}

class ProcfsTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        source.table = &mounts;
        source.add(2, [](ProcessInfo& p) { kernel_process(p, "kmain", 2); });
        source.add(42, shell_process);
        source.add(50, threaded_process);
        source.caller_pid = 42;
        source.caller_tid = 42;
        ASSERT_FALSE(procfs::register_type(source).is_error());
        MUST(make_directory("/proc"));
        MUST(vfs::mount(as_root(), root(), "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
    }

    RefPtr<vfs::OpenFile> open(std::string const& path)
    {
        auto file = vfs::open(as_root(), root(), path.c_str(), O_RDONLY, 0);
        EXPECT_FALSE(file.is_error()) << path;
        return file.is_error() ? RefPtr<vfs::OpenFile>() : file.release_value();
    }
    static std::string pread(vfs::OpenFile& file, usize count, i64 offset)
    {
        std::string data(count, 'X');
        KernelIoBuffer buffer(data.data(), count);
        auto got = file.pread(buffer, count, offset);
        EXPECT_FALSE(got.is_error());
        data.resize(got.is_error() ? 0 : got.value());
        return data;
    }
    std::string contents(std::string const& path)
    {
        auto text = read_file(path);
        EXPECT_FALSE(text.is_error()) << path << ": " << (text.is_error() ? text.error().name() : "");
        return text.is_error() ? std::string() : text.release_value();
    }
    std::string link_of(std::string const& path)
    {
        char target[256];
        KernelIoBuffer buffer(target, sizeof(target));
        auto length = vfs::readlink(as_root(), root(), path.c_str(), buffer, sizeof(target));
        EXPECT_FALSE(length.is_error()) << path;
        return length.is_error() ? std::string() : std::string(target, length.value());
    }

    FakeSource source;
};

TEST_F(ProcfsTest, proc_is_a_mountable_type_with_linux_statfs_magic)
{
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/proc")).type, static_cast<i64>(procfs::kProcSuperMagic));
    LinuxStat st = MUST(stat("/proc"));
    EXPECT_EQ(st.mode, static_cast<u32>(S_IFDIR | 0555));
    // A second mount is a second instance of the same tree.
    MUST(make_directory("/proc2"));
    MUST(vfs::mount(as_root(), root(), "proc", "/proc2", "proc", 0, ""));
    EXPECT_EQ(contents("/proc2/42/comm"), "sh\n");
}

TEST_F(ProcfsTest, stat_of_a_user_process_has_52_fields_in_linux_order)
{
    std::string expected = "42 (sh) S 1 42 42 34816 42 4194304 100 5 2 1 150 25 10 2 20 0 1 0 234 4096000 150 "
                           "18446744073709551615 4194304 4198400 2147418112 0 0 0 0 4 65536 1 0 0 17 1 0 0 0 0 0 "
                           "4202496 4206592 4210688 2147422208 2147422224 2147422224 2147422240 0\n";
    std::string text = contents("/proc/42/stat");
    EXPECT_EQ(text, expected);
    EXPECT_EQ(fields_of(text).size(), 52u);
}

TEST_F(ProcfsTest, stat_of_a_kernel_process_has_no_memory_and_no_terminal)
{
    std::string expected = "2 (kmain) S 0 0 0 0 -1 2097152 0 0 0 0 0 3 0 0 20 0 1 0 1 0 0 18446744073709551615 "
                           "0 0 0 0 0 0 0 0 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    std::string text = contents("/proc/2/stat");
    EXPECT_EQ(text, expected);
    EXPECT_EQ(fields_of(text).size(), 52u);
    // No argv: cmdline is empty (ps shows [kmain]).
    EXPECT_EQ(contents("/proc/2/cmdline"), "");
    EXPECT_EQ(contents("/proc/2/statm"), "0 0 0 0 0 0 0\n");
}

TEST_F(ProcfsTest, comm_with_spaces_and_parentheses_stays_inside_the_outer_parentheses)
{
    source.add(7, [](ProcessInfo& p) {
        kernel_process(p, "a (b) c", 7);
    });
    std::string text = contents("/proc/7/stat");
    EXPECT_EQ(text.substr(0, 12), "7 (a (b) c) ");
    // Parsers find the state after the last ')'.
    EXPECT_EQ(text[text.rfind(')') + 2], 'S');
}

TEST_F(ProcfsTest, status_of_a_user_process_matches_linux)
{
    std::string expected = "Name:\tsh\n"
                           "Umask:\t0022\n"
                           "State:\tS (sleeping)\n"
                           "Tgid:\t42\n"
                           "Ngid:\t0\n"
                           "Pid:\t42\n"
                           "PPid:\t1\n"
                           "TracerPid:\t0\n"
                           "Uid:\t1000\t1000\t1000\t1000\n"
                           "Gid:\t100\t100\t100\t100\n"
                           "FDSize:\t64\n"
                           "Groups:\t100 10 \n"
                           "NStgid:\t42\n"
                           "NSpid:\t42\n"
                           "NSpgid:\t42\n"
                           "NSsid:\t42\n"
                           "VmPeak:\t    4000 kB\n"
                           "VmSize:\t    4000 kB\n"
                           "VmLck:\t       0 kB\n"
                           "VmPin:\t       0 kB\n"
                           "VmHWM:\t     600 kB\n"
                           "VmRSS:\t     600 kB\n"
                           "RssAnon:\t     400 kB\n"
                           "RssFile:\t     200 kB\n"
                           "RssShmem:\t       0 kB\n"
                           "VmData:\t     120 kB\n"
                           "VmStk:\t     132 kB\n"
                           "VmExe:\t       4 kB\n"
                           "VmLib:\t      36 kB\n"
                           "VmPTE:\t      44 kB\n"
                           "VmSwap:\t       0 kB\n"
                           "HugetlbPages:\t       0 kB\n"
                           "CoreDumping:\t0\n"
                           "THP_enabled:\t0\n"
                           "Threads:\t1\n"
                           "SigQ:\t0/15000\n"
                           "SigPnd:\t0000000000000000\n"
                           "ShdPnd:\t0000000000000000\n"
                           "SigBlk:\t0000000000000000\n"
                           "SigIgn:\t0000000000000004\n"
                           "SigCgt:\t0000000000010000\n"
                           "CapInh:\t0000000000000000\n"
                           "CapPrm:\t0000000000000000\n"
                           "CapEff:\t0000000000000000\n"
                           "CapBnd:\t000001ffffffffff\n"
                           "CapAmb:\t0000000000000000\n"
                           "NoNewPrivs:\t0\n"
                           "Seccomp:\t0\n"
                           "Seccomp_filters:\t0\n"
                           "Speculation_Store_Bypass:\tunknown\n"
                           "SpeculationIndirectBranch:\tunsupported\n"
                           "Cpus_allowed:\t3\n"
                           "Cpus_allowed_list:\t0-1\n"
                           "Mems_allowed:\t1\n"
                           "Mems_allowed_list:\t0\n"
                           "voluntary_ctxt_switches:\t7\n"
                           "nonvoluntary_ctxt_switches:\t3\n";
    EXPECT_EQ(contents("/proc/42/status"), expected);
}

TEST_F(ProcfsTest, status_of_a_kernel_process_has_no_vm_lines_and_root_capabilities)
{
    std::string text = contents("/proc/2/status");
    EXPECT_EQ(text.substr(0, text.find("Tgid")), "Name:\tkmain\nUmask:\t0022\nState:\tS (sleeping)\n");
    EXPECT_EQ(text.find("VmSize"), std::string::npos);
    EXPECT_NE(text.find("\nGroups:\t \n"), std::string::npos);
    EXPECT_NE(text.find("\nCapEff:\t000001ffffffffff\n"), std::string::npos);
    EXPECT_NE(text.find("\nThreads:\t1\n"), std::string::npos);
}

TEST_F(ProcfsTest, statm_and_cmdline_of_a_user_process)
{
    // size resident shared text lib data dt, in pages.
    EXPECT_EQ(contents("/proc/42/statm"), "1000 150 50 1 0 63 0\n");
    EXPECT_EQ(contents("/proc/42/cmdline"), std::string("sh\0-c\0ls\0", 9));
    EXPECT_EQ(contents("/proc/42/comm"), "sh\n");
}

TEST_F(ProcfsTest, meminfo_lines_are_linux_labels_and_widths)
{
    source.memory.total = 2ull << 30;
    source.memory.free = 1536ull << 20;
    source.memory.available = 1600ull << 20;
    source.memory.cached = 12ull << 20;
    source.memory.slab_unreclaimable = 4ull << 20;
    source.memory.kernel_stack = 400ull << 10;
    std::string text = contents("/proc/meminfo");
    std::string head = "MemTotal:        2097152 kB\n"
                       "MemFree:         1572864 kB\n"
                       "MemAvailable:    1638400 kB\n"
                       "Buffers:               0 kB\n"
                       "Cached:            12288 kB\n"
                       "SwapCached:            0 kB\n"
                       "Active:                0 kB\n"
                       "Inactive:              0 kB\n"
                       "Active(anon):          0 kB\n"
                       "Inactive(anon):        0 kB\n"
                       "Active(file):          0 kB\n"
                       "Inactive(file):        0 kB\n"
                       "Unevictable:           0 kB\n"
                       "Mlocked:               0 kB\n"
                       "SwapTotal:             0 kB\n"
                       "SwapFree:              0 kB\n";
    EXPECT_EQ(text.substr(0, head.size()), head);
    EXPECT_NE(text.find("\nSlab:               4096 kB\nSReclaimable:          0 kB\nSUnreclaim:         4096 kB\n"
                        "KernelStack:         400 kB\n"),
        std::string::npos);
    EXPECT_NE(text.find("\nHardwareCorrupted:     0 kB\n"), std::string::npos);
    EXPECT_NE(text.find("\nHugePages_Total:       0\nHugePages_Free:        0\n"), std::string::npos);
    EXPECT_NE(text.find("\nHugepagesize:       2048 kB\n"), std::string::npos);
    EXPECT_EQ(text.substr(text.size() - 28), "DirectMap1G:           0 kB\n");
    // Every line: a label ending in ':' and a value, kB but for HugePages_*.
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        auto fields = fields_of(line);
        ASSERT_GE(fields.size(), 2u) << line;
        EXPECT_EQ(fields[0].back(), ':') << line;
        if (fields[0].rfind("HugePages_", 0) != 0) {
            EXPECT_EQ(fields.size() == 3 ? fields[2] : "", "kB") << line;
        }
    }
}

TEST_F(ProcfsTest, uptime_and_loadavg_are_linux_formats)
{
    source.uptime_ns = 12'345'678'901;
    source.idle_ns = 5'678'900'000;
    EXPECT_EQ(contents("/proc/uptime"), "12.34 5.67\n");
    // 0.00, 0.01 and 0.05 in 11-bit fixed point, rounded to hundredths.
    source.load[0] = 0;
    source.load[1] = 20;
    source.load[2] = 102;
    EXPECT_EQ(contents("/proc/loadavg"), "0.00 0.01 0.05 1/23 45\n");
    source.load[0] = 2 * 2048 + 1024; // 2.5
    source.load[1] = 2047;            // 0.9995 rounds to 1.00
    source.load[2] = 15 * 2048;
    EXPECT_EQ(contents("/proc/loadavg"), "2.50 1.00 15.00 1/23 45\n");
}

TEST_F(ProcfsTest, stat_has_cpu_lines_in_clock_ticks_and_the_counters)
{
    procfs::CpuTimes cpu0;
    cpu0.user = 1'230'000'000;
    cpu0.system = 450'000'000;
    cpu0.idle = 10'000'000'000;
    procfs::CpuTimes cpu1;
    cpu1.user = 505'000'000;
    cpu1.nice = 9'999'999;
    cpu1.system = 100'000'000;
    cpu1.idle = 11'000'000'000;
    source.cpu_times = { cpu0, cpu1 };
    EXPECT_EQ(contents("/proc/stat"),
        "cpu  173 0 55 2100 0 0 0 0 0 0\n"
        "cpu0 123 0 45 1000 0 0 0 0 0 0\n"
        "cpu1 50 0 10 1100 0 0 0 0 0 0\n"
        "intr 999\n"
        "ctxt 12345\n"
        "btime 1700000000\n"
        "processes 46\n"
        "procs_running 1\n"
        "procs_blocked 0\n"
        "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
}

TEST_F(ProcfsTest, cpuinfo_has_one_block_per_cpu)
{
    std::string text = contents("/proc/cpuinfo");
    std::string first = "processor\t: 0\n"
                        "vendor_id\t: GenuineIntel\n"
                        "cpu family\t: 6\n"
                        "model\t\t: 6\n"
                        "model name\t: QEMU Virtual CPU version 2.5+\n"
                        "stepping\t: 3\n"
                        "cpu MHz\t\t: 2995.200\n"
                        "cache size\t: 16384 KB\n"
                        "physical id\t: 0\n"
                        "siblings\t: 2\n"
                        "core id\t\t: 0\n"
                        "cpu cores\t: 2\n"
                        "apicid\t\t: 0\n"
                        "initial apicid\t: 0\n"
                        "fpu\t\t: yes\n"
                        "fpu_exception\t: yes\n"
                        "cpuid level\t: 13\n"
                        "wp\t\t: yes\n"
                        "flags\t\t: fpu tsc sse sse2 lm\n"
                        "bugs\t\t:\n"
                        "bogomips\t: 5990.40\n"
                        "clflush size\t: 64\n"
                        "cache_alignment\t: 64\n"
                        "address sizes\t: 36 bits physical, 48 bits virtual\n"
                        "power management:\n\n";
    EXPECT_EQ(text.substr(0, first.size()), first);
    EXPECT_NE(text.find("processor\t: 1\n", first.size()), std::string::npos);
    EXPECT_EQ(text.size(), 2 * first.size());
}

TEST_F(ProcfsTest, version_filesystems_and_sys_kernel)
{
    EXPECT_EQ(contents("/proc/version"),
        "Linux version 6.1.0-haneul (haneul@build) (gcc version 12.2.0) #1 SMP PREEMPT_DYNAMIC Haneul\n");
    std::string filesystems = contents("/proc/filesystems");
    EXPECT_NE(filesystems.find("nodev\ttmpfs\n"), std::string::npos);
    EXPECT_NE(filesystems.find("nodev\tproc\n"), std::string::npos);
    EXPECT_EQ(contents("/proc/sys/kernel/pid_max"), "32768\n");
    EXPECT_EQ(contents("/proc/sys/kernel/hostname"), "haneul\n");
    EXPECT_EQ(contents("/proc/sys/kernel/ostype"), "Linux\n");
    EXPECT_EQ(contents("/proc/sys/kernel/osrelease"), "6.1.0-haneul\n");
    EXPECT_EQ(MUST(list("/proc/sys")), std::vector<std::string>({ "kernel" }));
    EXPECT_EQ(MUST(list("/proc/sys/kernel")),
        std::vector<std::string>({ "domainname", "hostname", "osrelease", "ostype", "pid_max", "threads-max", "version" }));
    EXPECT_EQ(contents("/proc/sys/kernel/threads-max"), "32768\n");
}

TEST_F(ProcfsTest, mounts_lists_the_mount_table_with_linux_options)
{
    MUST(make_directory("/tmp dir"));
    MUST(vfs::mount(as_root(), root(), "tmpfs", "/tmp dir", "tmpfs", MS_RDONLY | MS_NOATIME, ""));
    std::string expected = "rootfs / tmpfs rw,relatime 0 0\n"
                           "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
                           "tmpfs /tmp\\040dir tmpfs ro,noatime 0 0\n";
    EXPECT_EQ(contents("/proc/mounts"), expected);
    EXPECT_EQ(contents("/proc/self/mounts"), expected);
    EXPECT_EQ(contents("/proc/2/mounts"), expected);
    EXPECT_EQ(link_of("/proc/mounts"), "self/mounts");
}

TEST_F(ProcfsTest, readdir_lists_fixed_entries_and_every_process_in_pid_order)
{
    std::vector<std::string> names = MUST(list("/proc"));
    std::vector<std::string> expected = { "self", "thread-self", "cpuinfo", "devices", "filesystems", "interrupts", "loadavg",
        "meminfo", "mounts", "stat", "sys", "uptime", "version", "2", "42", "50" };
    EXPECT_EQ(names, expected);
    // A buffer that holds one or two records at a time resumes where it
    // stopped: the same names, none twice.
    EXPECT_EQ(MUST(list("/proc", 48)), expected);
    EXPECT_EQ(MUST(list("/proc/42")), std::vector<std::string>({ "cmdline", "comm", "cwd", "environ", "exe", "fd", "fdinfo",
                                          "limits", "maps", "mounts", "root", "stat", "statm", "status", "task" }));
}

TEST_F(ProcfsTest, readdir_resumed_after_processes_come_and_go_neither_repeats_nor_skips)
{
    auto directory = MUST(vfs::open(as_root(), root(), "/proc", O_RDONLY | O_DIRECTORY, 0));
    std::vector<std::string> names;
    auto read_some = [&](usize size) {
        std::vector<u8> bytes(size);
        KernelIoBuffer buffer(bytes.data(), bytes.size());
        usize got = directory->read_directory(buffer, bytes.size()).release_value();
        for (usize offset = 0; offset < got;) {
            LinuxDirent64 head;
            memcpy(&head, bytes.data() + offset, sizeof(head));
            names.emplace_back(reinterpret_cast<char const*>(bytes.data() + offset + LinuxDirent64::kNameOffset));
            offset += head.reclen;
        }
        return got;
    };
    // Up to and including "version" and "2" (".", "..", 13 entries, "2").
    while (std::find(names.begin(), names.end(), "2") == names.end())
        ASSERT_NE(read_some(32), 0u);
    source.add(1, [](ProcessInfo& p) { kernel_process(p, "late-low", 1); });
    source.remove(42);
    source.add(9000, [](ProcessInfo& p) { kernel_process(p, "late-high", 9000); });
    while (read_some(4096) != 0) { }
    std::vector<std::string> pids(names.begin() + 15, names.end());
    EXPECT_EQ(pids, std::vector<std::string>({ "2", "50", "9000" }));
}

TEST_F(ProcfsTest, missing_pid_and_odd_names_are_enoent)
{
    EXPECT_ERRNO(read_file("/proc/4242/stat"), ENOENT);
    EXPECT_ERRNO(stat("/proc/4242"), ENOENT);
    EXPECT_ERRNO(stat("/proc/0"), ENOENT);
    EXPECT_ERRNO(stat("/proc/042"), ENOENT);
    EXPECT_ERRNO(stat("/proc/-42"), ENOENT);
    EXPECT_ERRNO(stat("/proc/42x"), ENOENT);
    EXPECT_ERRNO(stat("/proc/99999999999"), ENOENT);
    EXPECT_ERRNO(stat("/proc/nothing"), ENOENT);
    EXPECT_ERRNO(stat("/proc/42/nothing"), ENOENT);
    EXPECT_ERRNO(stat("/proc/50/task/4242"), ENOENT);
    EXPECT_ERRNO(stat("/proc/meminfo/x"), ENOTDIR);
}

TEST_F(ProcfsTest, self_and_thread_self_resolve_to_the_caller)
{
    EXPECT_EQ(link_of("/proc/self"), "42");
    EXPECT_EQ(contents("/proc/self/comm"), "sh\n");
    EXPECT_EQ(MUST(stat("/proc/self")).ino, MUST(stat("/proc/42")).ino);
    source.caller_pid = 50;
    source.caller_tid = 51;
    EXPECT_EQ(link_of("/proc/self"), "50");
    EXPECT_EQ(link_of("/proc/thread-self"), "50/task/51");
    EXPECT_EQ(contents("/proc/thread-self/comm"), "worker\n");
    // A kernel thread outside every process has no self.
    source.caller_pid = 0;
    source.caller_tid = 0;
    EXPECT_ERRNO(stat("/proc/self"), ENOENT);
    EXPECT_TRUE(MUST(lookup("/proc/self", vfs::kResolveNoFollow)).inode->is_symlink());
}

TEST_F(ProcfsTest, task_directory_lists_threads_with_their_own_stat_and_status)
{
    EXPECT_EQ(MUST(list("/proc/50/task")), std::vector<std::string>({ "50", "51", "52" }));
    EXPECT_EQ(MUST(list("/proc/50/task/51")), std::vector<std::string>({ "cmdline", "comm", "stat", "statm", "status" }));
    auto worker = fields_of(contents("/proc/50/task/51/stat"));
    ASSERT_EQ(worker.size(), 52u);
    EXPECT_EQ(worker[0], "51");
    EXPECT_EQ(worker[1], "(worker)");
    EXPECT_EQ(worker[2], "R");
    EXPECT_EQ(worker[13], "100"); // utime: its own second
    EXPECT_EQ(worker[17], "-11"); // priority of SCHED_FIFO 10
    EXPECT_EQ(worker[19], "3");   // num_threads: the group's
    EXPECT_EQ(worker[38], "1");   // processor
    EXPECT_EQ(worker[39], "10");  // rt_priority
    EXPECT_EQ(worker[40], "1");   // policy
    auto whole = fields_of(contents("/proc/50/stat"));
    EXPECT_EQ(whole[0], "50");
    EXPECT_EQ(whole[2], "R");
    EXPECT_EQ(whole[13], "300"); // the whole group's time
    EXPECT_EQ(whole[34], "0");   // wchan: 0 for a multi-threaded group
    std::string status = contents("/proc/50/task/51/status");
    EXPECT_EQ(status.substr(0, status.find("TracerPid")),
        "Name:\tworker\nUmask:\t0022\nState:\tR (running)\nTgid:\t50\nNgid:\t0\nPid:\t51\nPPid:\t42\n");
    EXPECT_NE(status.find("\nThreads:\t3\n"), std::string::npos);
    EXPECT_NE(status.find("\nvoluntary_ctxt_switches:\t11\n"), std::string::npos);
    EXPECT_EQ(contents("/proc/50/task/52/comm"), "server\n");
}

TEST_F(ProcfsTest, process_directories_belong_to_the_process_owner_with_stable_inode_numbers)
{
    LinuxStat shell = MUST(stat("/proc/42"));
    EXPECT_EQ(shell.uid, 1000u);
    EXPECT_EQ(shell.gid, 100u);
    EXPECT_EQ(shell.mode, static_cast<u32>(S_IFDIR | 0555));
    EXPECT_EQ(MUST(stat("/proc/42/status")).uid, 1000u);
    EXPECT_EQ(MUST(stat("/proc/42/status")).mode, static_cast<u32>(S_IFREG | 0444));
    EXPECT_EQ(MUST(stat("/proc/2")).uid, 0u);
    EXPECT_EQ(MUST(stat("/proc/42")).ino, shell.ino);
    EXPECT_NE(MUST(stat("/proc/50")).ino, shell.ino);
    EXPECT_NE(MUST(stat("/proc/42/stat")).ino, MUST(stat("/proc/50/stat")).ino);
    // Like Linux's, procfs files report size 0; readers read to the end.
    EXPECT_EQ(MUST(stat("/proc/meminfo")).size, 0u);
    // Anyone may read them.
    Credentials nobody = Credentials::user(65534, 65534);
    vfs::Context as_nobody = context(nobody);
    EXPECT_FALSE(read_file("/proc/42/stat", &as_nobody).is_error());
}

TEST_F(ProcfsTest, reads_at_offsets_and_short_reads_slice_one_snapshot)
{
    std::string whole = contents("/proc/42/status");
    auto file = open("/proc/42/status");
    ASSERT_TRUE(file);
    EXPECT_EQ(pread(*file, 5, 10), whole.substr(10, 5));
    EXPECT_EQ(pread(*file, 4096, static_cast<i64>(whole.size()) - 3), whole.substr(whole.size() - 3));
    EXPECT_EQ(pread(*file, 10, static_cast<i64>(whole.size())), "");
    EXPECT_EQ(pread(*file, 10, static_cast<i64>(whole.size()) + 100), "");
    // One byte at a time gives the same text.
    std::string pieces;
    for (;;) {
        char byte;
        KernelIoBuffer buffer(&byte, 1);
        usize got = file->read(buffer, 1).release_value();
        if (got == 0)
            break;
        pieces += byte;
    }
    EXPECT_EQ(pieces, whole);
    // lseek back and read again: still the same snapshot.
    EXPECT_EQ(file->seek(7, SEEK_SET).release_value(), 7u);
    EXPECT_EQ(pread(*file, 3, 7), whole.substr(7, 3));
}

TEST_F(ProcfsTest, an_open_file_keeps_its_snapshot_and_a_new_open_sees_new_data)
{
    auto file = open("/proc/42/stat");
    ASSERT_TRUE(file);
    std::string first_half = pread(*file, 20, 0);
    int calls = source.process_calls;
    // The process changes (more CPU time) and then exits while the file is open.
    source.add(42, [](ProcessInfo& p) {
        shell_process(p);
        p.user_ns = 9'000'000'000;
    });
    std::string rest = pread(*file, 4096, 20);
    EXPECT_EQ(source.process_calls, calls); // reads never ask the source
    EXPECT_EQ(fields_of(first_half + rest)[13], "150");
    EXPECT_EQ(fields_of(contents("/proc/42/stat"))[13], "900");
    source.remove(42);
    EXPECT_EQ(pread(*file, 3, 0), "42 ");
    EXPECT_ERRNO(read_file("/proc/42/stat"), ENOENT);
}

TEST_F(ProcfsTest, a_process_that_vanishes_between_readdir_and_open_is_enoent)
{
    std::vector<std::string> names = MUST(list("/proc"));
    ASSERT_NE(std::find(names.begin(), names.end(), "50"), names.end());
    // Its directory was looked up (a process's cwd could be in it)...
    vfs::Location directory = MUST(lookup("/proc/50"));
    vfs::Location task = MUST(lookup("/proc/50/task"));
    source.remove(50);
    EXPECT_ERRNO(read_file("/proc/50/stat"), ENOENT);
    EXPECT_ERRNO(stat("/proc/50"), ENOENT);
    // ...and what is looked up from there is gone as well.
    EXPECT_ERRNO(vfs::open(as_root(), directory, "status", O_RDONLY, 0), ENOENT);
    EXPECT_ERRNO(vfs::open(as_root(), directory, "task", O_RDONLY | O_DIRECTORY, 0), ENOENT);
    EXPECT_ERRNO(vfs::open(as_root(), task, "51/stat", O_RDONLY, 0), ENOENT);
    // The listing it was in still reads (the task directory's snapshot).
    auto listing = MUST(vfs::open(as_root(), task, ".", O_RDONLY | O_DIRECTORY, 0));
    std::vector<u8> bytes(4096);
    KernelIoBuffer buffer(bytes.data(), bytes.size());
    EXPECT_FALSE(listing->read_directory(buffer, bytes.size()).is_error());
    // ".." still leads back up.
    EXPECT_EQ(MUST(vfs::resolve(as_root(), directory, "..")).inode->ino(), MUST(lookup("/proc")).inode->ino());
    names = MUST(list("/proc"));
    EXPECT_EQ(std::find(names.begin(), names.end(), "50"), names.end());
}

TEST_F(ProcfsTest, a_zombie_shows_its_leader)
{
    source.add(60, [](ProcessInfo& p) {
        p.ppid = 42;
        p.state = 'Z';
        set_comm(p.comm, "done");
        p.exit_code = 3 << 8;
        p.user_ns = 20'000'000;
    });
    auto fields = fields_of(contents("/proc/60/stat"));
    ASSERT_EQ(fields.size(), 52u);
    EXPECT_EQ(fields[2], "Z");
    EXPECT_EQ(fields[13], "2");
    EXPECT_EQ(fields[51], "768");
    EXPECT_EQ(MUST(list("/proc/60/task")), std::vector<std::string>({ "60" }));
    EXPECT_EQ(contents("/proc/60/task/60/comm"), "done\n");
    EXPECT_NE(contents("/proc/60/status").find("State:\tZ (zombie)\n"), std::string::npos);
}

TEST_F(ProcfsTest, getcwd_inside_proc_names_the_path)
{
    vfs::Location task = MUST(lookup("/proc/50/task/51"));
    char path[256];
    usize length = MUST(vfs::getcwd(as_root(), task, path, sizeof(path)));
    EXPECT_EQ(std::string(path, length - 1), "/proc/50/task/51");
}

TEST(ProcfsFormats, cpu_masks_print_as_linux_bitmaps)
{
    auto hex = [](u64 mask, u32 bits) {
        procfs::TextBuffer out;
        procfs::formats::bitmap_hex(mask, bits, out);
        return std::string(out.view().characters_without_null_termination(), out.length());
    };
    auto list = [](u64 mask, u32 bits) {
        procfs::TextBuffer out;
        procfs::formats::bitmap_list(mask, bits, out);
        return std::string(out.view().characters_without_null_termination(), out.length());
    };
    EXPECT_EQ(hex(1, 1), "1");
    EXPECT_EQ(hex(0xf, 4), "f");
    EXPECT_EQ(hex(0x3, 8), "03");
    EXPECT_EQ(hex(~0ull, 64), "ffffffff,ffffffff");
    EXPECT_EQ(hex(0x1, 40), "00,00000001");
    EXPECT_EQ(list(0xf, 4), "0-3");
    EXPECT_EQ(list(0x1, 1), "0");
    EXPECT_EQ(list(0b1101101, 8), "0,2-3,5-6");
    EXPECT_EQ(list(0, 8), "");
}

TEST(ProcfsFormats, text_buffer_grows_past_its_line_buffer_and_escapes_like_seq_escape)
{
    procfs::TextBuffer out;
    std::string long_text(1000, 'x');
    out.appendf("<%s>", long_text.c_str());
    for (int i = 0; i < 100; ++i)
        out.appendf("%d,", i);
    out.append_escaped("a b\tc\\d\ne", " \t\n\\");
    std::string text(out.view().characters_without_null_termination(), out.length());
    EXPECT_EQ(text.substr(0, 1002), "<" + long_text + ">");
    EXPECT_EQ(text.substr(text.size() - 21), "a\\040b\\011c\\134d\\012e");
    EXPECT_FALSE(out.finish().is_error());
}

}

TEST_F(ProcfsTest, environ_is_the_raw_environment_and_private)
{
    EXPECT_EQ(contents("/proc/42/environ"), std::string("HOME=/root\0TERM=vt100\0", 23));
    EXPECT_EQ(MUST(stat("/proc/42/environ")).mode, static_cast<u32>(S_IFREG | 0400));
}

TEST_F(ProcfsTest, maps_in_linux_columns)
{
    // Linux pads a named line to 72 characters, then one space: the name
    // starts at offset 73.
    auto named = [](std::string head, const char* name) { return head + std::string(73 - head.size(), ' ') + name + "\n"; };
    std::string expected = named("00400000-00401000 r-xp 00000000 08:01 1234", "/bin/busybox")
        + "7f0000000000-7f0000002000 rw-p 00000000 00:00 0 \n"
        + named("7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0", "[stack]");
    EXPECT_EQ(contents("/proc/42/maps"), expected);
}

TEST_F(ProcfsTest, fd_directory_lists_links_with_the_open_mode)
{
    EXPECT_EQ(MUST(list("/proc/42/fd")), std::vector<std::string>({ "0", "1", "7" }));
    EXPECT_EQ(MUST(list("/proc/42/fdinfo")), std::vector<std::string>({ "0", "1", "7" }));
    EXPECT_EQ(link_of("/proc/42/fd/7"), "pipe:[99]");
    EXPECT_EQ(link_of("/proc/42/fd/0"), "/dev/pts/0");
    EXPECT_EQ(MUST(stat("/proc/42/fd/0", AT_SYMLINK_NOFOLLOW)).mode, static_cast<u32>(S_IFLNK | 0500));
    EXPECT_EQ(MUST(stat("/proc/42/fd/1", AT_SYMLINK_NOFOLLOW)).mode, static_cast<u32>(S_IFLNK | 0300));
    EXPECT_EQ(MUST(stat("/proc/42/fd")).mode, static_cast<u32>(S_IFDIR | 0500));
    EXPECT_TRUE(read_file("/proc/42/fd/3").is_error());
}

TEST_F(ProcfsTest, fdinfo_in_linux_format)
{
    EXPECT_EQ(contents("/proc/42/fdinfo/0"), "pos:\t12\nflags:\t00\nmnt_id:\t3\nino:\t99\n");
    EXPECT_EQ(contents("/proc/42/fdinfo/1"), "pos:\t0\nflags:\t02000001\nmnt_id:\t3\nino:\t99\n");
}

TEST_F(ProcfsTest, exe_cwd_and_root_links)
{
    EXPECT_EQ(link_of("/proc/42/exe"), "/bin/busybox");
    EXPECT_EQ(link_of("/proc/42/cwd"), "/home/user");
    EXPECT_EQ(link_of("/proc/42/root"), "/");
}

TEST_F(ProcfsTest, limits_table_in_linux_columns)
{
    source.add(60, [](ProcessInfo& p) {
        p.limits[7] = { 1024, 4096 }; // RLIMIT_NOFILE
        p.limits[3] = { 8 * 1024 * 1024, ~0ull };
    });
    std::string text = contents("/proc/60/limits");
    auto lines = std::vector<std::string>();
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    ASSERT_EQ(lines.size(), 17u);
    EXPECT_EQ(lines[0], "Limit                     Soft Limit           Hard Limit           Units     ");
    EXPECT_EQ(lines[1], "Max cpu time              unlimited            unlimited            seconds   ");
    EXPECT_EQ(lines[4], "Max stack size            8388608              unlimited            bytes     ");
    EXPECT_EQ(lines[8], "Max open files            1024                 4096                 files     ");
    EXPECT_EQ(lines[14], "Max nice priority         unlimited            unlimited            ");
}

TEST_F(ProcfsTest, interrupts_and_devices)
{
    EXPECT_EQ(contents("/proc/interrupts"),
        "           CPU0       CPU1       \n"
        "  1:          9          0  IO-APIC   1-edge      i8042\n"
        "LOC:      12345        678   Local timer interrupts\n");
    EXPECT_EQ(contents("/proc/devices"), "Character devices:\n  1 mem\n  5 /dev/tty\n\nBlock devices:\n");
}

TEST_F(ProcfsTest, files_of_a_missing_process_are_not_there)
{
    EXPECT_TRUE(read_file("/proc/77/maps").is_error());
    EXPECT_TRUE(read_file("/proc/77/environ").is_error());
}
