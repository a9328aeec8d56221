// Process and thread creation (CONCEPTS C2, C6, D1): fork, vfork, clone,
// clone3 all come here with a CloneRequest. A new thread of the caller's
// process shares everything (CLONE_THREAD, what pthread_create asks for);
// a new process gets a copy-on-write copy of the address space (or shares
// it: CLONE_VM, vfork), a copy of the descriptor table and of the place
// in the file tree (or shares them: CLONE_FILES, CLONE_FS), the caller's
// credentials and limits, and a first thread that returns 0 from the same
// system call with the caller's registers.
#include <arch/x86_64/fpu.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/fs_context.h>
#include <lib/log.h>
#include <mm/address_space.h>
#include <proc/clone.h>
#include <proc/current.h>
#include <proc/process_manager.h>
#include <proc/signals.h>
#include <sched/scheduler.h>
#include <syscall/uaccess.h>

namespace {

// RLIMIT_NPROC: how many processes the real user `uid` has.
usize processes_of_user(u32 uid)
{
    usize count = 0;
    process::for_each([&](Process& process, ThreadSnapshots const&) {
        if (!process.is_kernel_process() && process.credentials().uid == uid
            && (process.state() == ProcessState::Live || process.state() == ProcessState::New))
            ++count;
    });
    return count;
}

ErrorOr<void> check_flags(u64 flags)
{
    using namespace clone_flags;
    if ((flags & kThread) && !(flags & kSighand))
        return Error::from_errno(EINVAL);
    if ((flags & kSighand) && !(flags & kVm))
        return Error::from_errno(EINVAL);
    if ((flags & kFs) && (flags & kNewNs))
        return Error::from_errno(EINVAL);
    if (flags & (kNamespaces | kPidfd)) {
        log_notice("clone: namespaces and pidfds are not supported (flags %#lx): EINVAL", flags);
        return Error::from_errno(EINVAL);
    }
    return {};
}

}

ErrorOr<long> ProcessManager::clone(InterruptFrame& frame, CloneRequest const& request)
{
    using namespace clone_flags;
    TRY(check_flags(request.flags));
    Process& me = current::process();
    Thread& my_thread = current::thread();

    InterruptFrame child_frame = frame;
    child_frame.rax = 0;
    if (request.stack)
        child_frame.rsp = request.stack;
    u64 fs_base = (request.flags & kSettls) ? request.tls : my_thread.fs_base;

    if (request.flags & kThread) {
        Thread* thread;
        {
            MutexLocker locker(process::lock());
            if (me.is_exiting())
                return Error::from_errno(EINTR);
            auto* member = TRY(create_user_thread(me, child_frame, fs_base, &my_thread));
            signals::fork_thread(*member, request.flags); // signals issue: the caller's mask
            if (request.flags & kChildCleartid)
                member->clear_child_tid = request.child_tid;
            thread = member->thread;
        }
        long tid = thread->tid;
        if (request.flags & kParentSettid)
            (void)copy_to_user(request.parent_tid, &tid, sizeof(u32));
        if (request.flags & kChildSettid)
            (void)copy_to_user(request.child_tid, &tid, sizeof(u32));
        fpu::save(thread->fpu_state); // the caller's user FPU state: the kernel never touches it
        sched::start(thread);
        return tid;
    }

    if (!me.credentials().is_superuser()
        && processes_of_user(me.credentials().uid) >= me.resource_limit(rlimit::kNproc).current)
        return Error::from_errno(EAGAIN);

    RefPtr<mm::AddressSpace> space = (request.flags & kVm) ? RefPtr<mm::AddressSpace>(me.m_address_space)
                                                           : TRY(me.m_address_space->fork());
    RefPtr<vfs::FdTable> files = (request.flags & kFiles) ? RefPtr<vfs::FdTable>(me.m_fd_table)
                                                          : TRY(me.m_fd_table->clone());
    RefPtr<vfs::FsContext> fs = (request.flags & kFs) ? RefPtr<vfs::FsContext>(me.m_fs_context)
                                                      : TRY(me.m_fs_context->clone());
    KString command_line = TRY(KString::create(me.m_command_line.view()));
    KString executable = TRY(KString::create(me.m_executable_path.view()));

    Process* child;
    Thread* thread;
    {
        MutexLocker locker(process::lock());
        if (me.is_exiting())
            return Error::from_errno(EINTR);
        Process* parent = (request.flags & kParent) && me.m_parent ? me.m_parent : &me;
        child = make(me.m_name, -1, parent);
        if (!child)
            return Error::from_errno(ENOMEM);
        child->m_is_kernel = false;
        child->m_address_space = space;
        child->m_address_space_root = space->root();
        child->m_fd_table = files;
        child->m_fs_context = fs;
        child->m_command_line = std::move(command_line);
        child->m_executable_path = std::move(executable);
        child->m_environment_range = me.m_environment_range;
        child->m_exit_signal = request.exit_signal;
        child->m_pgid = me.m_pgid;
        child->m_sid = me.m_sid;
        child->m_left_controlling_tty = me.m_left_controlling_tty;
        // Signals issue: actions shared (CLONE_SIGHAND) or copied.
        if (auto inherited = signals::fork_process(*child, request.flags); inherited.is_error()) {
            delete child;
            return inherited.error();
        }
        auto member = create_user_thread(*child, child_frame, fs_base, &my_thread);
        if (member.is_error()) {
            delete child;
            return member.error();
        }
        signals::fork_thread(*member.value(), request.flags); // signals issue: mask, alternate stack
        thread = member.value()->thread;
        child->m_pid = static_cast<pid_t>(thread->tid);
        if (request.flags & kChildCleartid)
            member.value()->clear_child_tid = request.child_tid;
        if (request.flags & kVfork)
            child->m_vfork_released = false;
        set_state(*child, ProcessState::Live);
        link(*child);
        child->ref(); // ours, until the vfork wait is over
    }
    long pid = child->m_pid;
    if (request.flags & kParentSettid)
        (void)copy_to_user(request.parent_tid, &pid, sizeof(u32));
    if (request.flags & kChildSettid) {
        u32 tid = static_cast<u32>(pid);
        (void)space->write_bytes(request.child_tid, &tid, sizeof(tid));
    }
    fpu::save(thread->fpu_state);
    sched::start(thread);

    if (request.flags & kVfork) {
        // The parent sleeps until the child has exec'd or exited: they
        // share one address space until then (C6).
        MutexLocker locker(process::lock());
        (void)child->m_exited.wait_until(locker, [&] { return child->m_vfork_released; });
    }
    child->unref();
    return pid;
}
