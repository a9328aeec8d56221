// procfs files and symlinks (fs/procfs/procfs_inodes.h): generate() asks
// the source for a snapshot and formats it (fs/procfs/formats.h); a text
// file serves reads from the snapshot it was made with.
#include <fs/procfs/formats.h>
#include <fs/procfs/procfs_inodes.h>
#include <lib/format.h>

namespace procfs {

namespace {

ErrorOr<void> snapshot_process(ProcSource& source, i32 pid, ProcessInfo& info)
{
    auto found = source.process(pid, info);
    if (found.is_error())
        return found.error().code() == ESRCH ? Error::from_errno(ENOENT) : found.error();
    return {};
}

// The thread `tid` of `process` (its leader, when the process is a zombie
// with no threads left), or null when it has gone.
ThreadInfo const* find_thread(ProcessInfo const& process, i32 tid, ThreadInfo& zombie_leader)
{
    for (auto const& thread : process.threads) {
        if (thread.tid == tid)
            return &thread;
    }
    if (process.threads.is_empty() && tid == process.pid) {
        zombie_leader.tid = process.pid;
        zombie_leader.state = process.state;
        for (usize i = 0; i < kCommLength; ++i)
            zombie_leader.comm[i] = process.comm[i];
        zombie_leader.start_ns = process.start_ns;
        return &zombie_leader;
    }
    return nullptr;
}

bool is_thread_file(Node node)
{
    return node > Node::TidDirectory;
}

}

ErrorOr<usize> ProcTextFile::read(u64 offset, IoBuffer& buffer, usize count)
{
    StringView text = m_text.view();
    if (offset >= text.length())
        return 0;
    usize available = text.length() - static_cast<usize>(offset);
    usize length = count < available ? count : available;
    TRY(buffer.write_bytes(0, text.characters_without_null_termination() + offset, length));
    return length;
}

ErrorOr<KString> ProcSymlink::readlink()
{
    ProcSource& source = procfs().source();
    char target[32];
    switch (node()) {
    case Node::Mounts:
        return KString::create("self/mounts");
    case Node::Self: {
        i32 pid = source.current_pid();
        if (pid <= 0)
            return Error::from_errno(ENOENT);
        format(target, sizeof(target), "%d", pid);
        return KString::create(target);
    }
    case Node::ThreadSelf: {
        i32 pid = source.current_pid();
        i32 tid = source.current_tid();
        if (pid <= 0 || tid <= 0)
            return Error::from_errno(ENOENT);
        format(target, sizeof(target), "%d/task/%d", pid, tid);
        return KString::create(target);
    }
    case Node::PidExe:
        return source.link(pid(), ProcessLink::Executable);
    case Node::PidCwd:
        return source.link(pid(), ProcessLink::Cwd);
    case Node::PidRoot:
        return source.link(pid(), ProcessLink::Root);
    case Node::PidFdLink: {
        // The descriptor as it is now: it may have been closed or replaced
        // since the lookup.
        GrowableArray<OpenFileInfo> files;
        TRY(source.open_files(pid(), files));
        for (auto& file : files) {
            if (file.fd == tid())
                return std::move(file.target);
        }
        return Error::from_errno(ENOENT);
    }
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<TextBuffer> generate(ProcSource& source, Node node, i32 pid, i32 tid)
{
    TextBuffer out;
    switch (node) {
    case Node::Meminfo:
    case Node::Uptime:
    case Node::Loadavg:
    case Node::Stat: {
        SystemInfo system;
        TRY(source.system(system));
        if (node == Node::Meminfo)
            formats::meminfo(system.memory, out);
        else if (node == Node::Uptime)
            formats::uptime(system, out);
        else if (node == Node::Loadavg)
            formats::loadavg(system, out);
        else
            formats::stat(system, out);
        break;
    }
    case Node::Cpuinfo: {
        GrowableArray<CpuInfo> cpus;
        TRY(source.cpus(cpus));
        formats::cpuinfo(cpus, out);
        break;
    }
    case Node::Filesystems:
        formats::filesystems(out);
        break;
    case Node::Interrupts: {
        GrowableArray<InterruptLine> lines;
        u32 cpus = 1;
        TRY(source.interrupts(lines, cpus));
        formats::interrupts(lines, cpus, out);
        break;
    }
    case Node::Devices: {
        GrowableArray<DeviceInfo> devices;
        TRY(source.devices(devices));
        formats::devices(devices, out);
        break;
    }
    case Node::SysKernelThreadsMax: {
        // Linux's default: what the memory can hold in kernel stacks, an
        // eighth of RAM; here the PID space bounds it first.
        SystemIdentity identity;
        source.identity(identity);
        out.appendf("%u\n", identity.pid_max);
        break;
    }
    case Node::PidEnviron: {
        ProcessInfo info;
        TRY(snapshot_process(source, pid, info));
        KString environment;
        TRY(source.environment(pid, environment));
        out.append(environment.view());
        break;
    }
    case Node::PidMaps: {
        ProcessInfo info;
        TRY(snapshot_process(source, pid, info));
        GrowableArray<MappingInfo> mappings;
        TRY(source.mappings(pid, mappings));
        formats::process_maps(mappings, out);
        break;
    }
    case Node::Version:
    case Node::SysKernelPidMax:
    case Node::SysKernelHostname:
    case Node::SysKernelDomainname:
    case Node::SysKernelOstype:
    case Node::SysKernelOsrelease:
    case Node::SysKernelVersion: {
        SystemIdentity identity;
        source.identity(identity);
        if (node == Node::Version)
            formats::version(identity, out);
        else if (node == Node::SysKernelPidMax)
            out.appendf("%u\n", identity.pid_max);
        else if (node == Node::SysKernelHostname)
            out.appendf("%s\n", identity.nodename);
        else if (node == Node::SysKernelDomainname)
            out.appendf("%s\n", identity.domainname);
        else if (node == Node::SysKernelOstype)
            out.appendf("%s\n", identity.sysname);
        else if (node == Node::SysKernelOsrelease)
            out.appendf("%s\n", identity.release);
        else
            out.appendf("%s\n", identity.version);
        break;
    }
    case Node::PidMounts: {
        // The process must exist; the list is the one it sees.
        ProcessInfo info;
        TRY(snapshot_process(source, pid, info));
        GrowableArray<MountInfo> mounts;
        TRY(source.mounts(pid, mounts));
        formats::mounts(mounts, out);
        break;
    }
    case Node::PidStat:
    case Node::PidStatus:
    case Node::PidStatm:
    case Node::PidCmdline:
    case Node::PidComm:
    case Node::PidLimits:
    case Node::TidStat:
    case Node::TidStatus:
    case Node::TidStatm:
    case Node::TidCmdline:
    case Node::TidComm: {
        ProcessInfo info;
        TRY(snapshot_process(source, pid, info));
        ThreadInfo zombie_leader;
        ThreadInfo const* thread = nullptr;
        if (is_thread_file(node)) {
            thread = find_thread(info, tid, zombie_leader);
            if (!thread)
                return Error::from_errno(ENOENT);
        }
        switch (node) {
        case Node::PidStat:
        case Node::TidStat:
            formats::process_stat(info, thread, out);
            break;
        case Node::PidStatus:
        case Node::TidStatus:
            formats::process_status(info, thread, source.cpu_count(), out);
            break;
        case Node::PidStatm:
        case Node::TidStatm:
            formats::process_statm(info, out);
            break;
        case Node::PidCmdline:
        case Node::TidCmdline:
            formats::process_cmdline(info, out);
            break;
        case Node::PidLimits:
            formats::process_limits(info, out);
            break;
        default:
            formats::process_comm(info, thread, out);
            break;
        }
        break;
    }
    default:
        return Error::from_errno(EINVAL);
    }
    TRY(out.finish());
    return out;
}

}
