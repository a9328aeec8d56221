// System information calls: uname, sethostname, setdomainname, sysinfo,
// getrandom, getcpu. The names live in hostname.cpp; memory figures come
// from the page allocator (mm/memory.h), the load average and CPUs from the
// scheduler, random bytes from the kernel CSPRNG (fs/devfs/csprng.h).
#include <fs/devfs/csprng.h>
#include <lib/string.h>
#include <mm/memory.h>
#include <proc/current.h>
#include <sched/clock.h>
#include <sched/scheduler.h>
#include <syscall/hostname.h>
#include <syscall/syscall.h>
#include <syscall/syscall_args.h>

namespace {

using namespace sysargs;

// struct utsname (new_utsname): six 65-byte fields.
struct LinuxUtsname {
    char sysname[hostname::kFieldSize];
    char nodename[hostname::kFieldSize];
    char release[hostname::kFieldSize];
    char version[hostname::kFieldSize];
    char machine[hostname::kFieldSize];
    char domainname[hostname::kFieldSize];
};
static_assert(sizeof(LinuxUtsname) == 390);

// "Linux" and a 6.x release, so C libraries and programs that check the
// kernel (glibc wants at least 3.2) run as on Linux; "haneul" in the
// release and version says which kernel it really is.
constexpr char kSysname[] = "Linux";
constexpr char kRelease[] = "6.1.0-haneul";
constexpr char kVersion[] = "#1 SMP PREEMPT Haneul 0.1";
constexpr char kMachine[] = "x86_64";

template<usize N>
void copy_field(char (&to)[hostname::kFieldSize], char const (&from)[N])
{
    static_assert(N <= hostname::kFieldSize);
    memcpy(to, from, N);
}

ErrorOr<long> sys_uname(UserPtr<LinuxUtsname> buffer)
{
    LinuxUtsname names;
    memset(&names, 0, sizeof(names));
    copy_field(names.sysname, kSysname);
    hostname::copy_host_name(names.nodename);
    copy_field(names.release, kRelease);
    copy_field(names.version, kVersion);
    copy_field(names.machine, kMachine);
    hostname::copy_domain_name(names.domainname);
    TRY(copy_to_user(buffer, names));
    return 0;
}
REGISTER_SYSCALL(uname, sys_uname);

// sethostname/setdomainname: privilege first, then the length, then the
// copy (Linux's order).
ErrorOr<long> set_name(UserPtr<char const> name, i64 length, void (*store)(StringView))
{
    if (!current::credentials().is_superuser())
        return Error::from_errno(EPERM);
    usize size = TRY(check_uts_length(length));
    char buffer[kUtsLength];
    TRY(copy_from_user(buffer, name.address(), size));
    store(StringView(buffer, size));
    return 0;
}

ErrorOr<long> sys_sethostname(UserPtr<char const> name, int length) { return set_name(name, length, hostname::set_host_name); }
REGISTER_SYSCALL(sethostname, sys_sethostname);

ErrorOr<long> sys_setdomainname(UserPtr<char const> name, int length)
{
    return set_name(name, length, hostname::set_domain_name);
}
REGISTER_SYSCALL(setdomainname, sys_setdomainname);

// struct sysinfo of x86-64 (112 bytes; the padding is zeroed, never
// kernel stack).
struct LinuxSysinfo {
    i64 uptime;
    u64 loads[3];
    u64 totalram;
    u64 freeram;
    u64 sharedram;
    u64 bufferram;
    u64 totalswap;
    u64 freeswap;
    u16 procs;
    u16 pad;
    u64 totalhigh;
    u64 freehigh;
    u32 mem_unit;
};
static_assert(sizeof(LinuxSysinfo) == 112);
static_assert(__builtin_offsetof(LinuxSysinfo, procs) == 80);
static_assert(__builtin_offsetof(LinuxSysinfo, totalhigh) == 88);
static_assert(__builtin_offsetof(LinuxSysinfo, mem_unit) == 104);

void count_thread(Thread& thread, void* count)
{
    if (!thread.is_idle_thread)
        ++*static_cast<u64*>(count);
}

ErrorOr<long> sys_sysinfo(UserPtr<LinuxSysinfo> buffer)
{
    LinuxSysinfo info;
    memset(&info, 0, sizeof(info));
    u64 now = ktime::monotonic_ns();
    // Linux rounds a partial second up.
    info.uptime = static_cast<i64>(now / kNsPerSecond + (now % kNsPerSecond ? 1 : 0));
    auto load = sched::load_average();
    info.loads[0] = load_to_sysinfo(load.one);
    info.loads[1] = load_to_sysinfo(load.five);
    info.loads[2] = load_to_sysinfo(load.fifteen);
    // totalram is what the kernel manages, as Linux's MemTotal: usable RAM
    // less what the kernel image, modules and frame array took at boot.
    auto memory = mm::memory_stats();
    info.totalram = memory.total_bytes - memory.reserved_bytes;
    info.freeram = memory.free_bytes;
    // Linux's procs is its thread count (nr_threads), idle tasks excluded.
    u64 threads = 0;
    sched::for_each_thread(count_thread, &threads);
    info.procs = static_cast<u16>(threads > 0xffff ? 0xffff : threads);
    info.mem_unit = 1;
    TRY(copy_to_user(buffer, info));
    return 0;
}
REGISTER_SYSCALL(sysinfo, sys_sysinfo);

// getrandom never blocks: the CSPRNG seeds itself from RDSEED/RDRAND/TSC
// on first use, so GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE all read
// the same generator at once (Linux since 5.6 treats GRND_RANDOM so too).
ErrorOr<long> sys_getrandom(UserPtr<u8> buffer, u64 length, u32 flags)
{
    TRY(check_getrandom_flags(flags));
    length = getrandom_length(length);
    u8 chunk[256];
    u64 done = 0;
    while (done < length) {
        usize count = length - done < sizeof(chunk) ? static_cast<usize>(length - done) : sizeof(chunk);
        csprng::get_random_bytes(chunk, count);
        auto copied = copy_to_user(buffer.address() + done, chunk, count);
        if (copied.is_error()) {
            if (done == 0)
                return copied.error();
            break; // Linux returns the bytes it managed
        }
        done += count;
    }
    memset(chunk, 0, sizeof(chunk)); // no random bytes left behind on the stack
    return static_cast<long>(done);
}
REGISTER_SYSCALL(getrandom, sys_getrandom);

// getcpu: the CPU the caller runs on (it may move right after) and NUMA
// node 0; either pointer may be null; the third argument is unused since
// Linux 2.6.24.
ErrorOr<long> sys_getcpu(UserPtr<u32> cpu, UserPtr<u32> node, UserPtr<void>)
{
    u32 here = sched::current()->cpu;
    if (!cpu.is_null())
        TRY(copy_to_user(cpu, here));
    if (!node.is_null())
        TRY(copy_to_user(node, u32(0)));
    return 0;
}
REGISTER_SYSCALL(getcpu, sys_getcpu);

}
