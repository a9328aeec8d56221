// Resource limits: getrlimit, setrlimit, prlimit64. The limits live in the
// Process (proc/process.h, read and written under the process lock);
// the rules for changing one are syscall_args.cpp's check_rlimit_change
// (host tested). Enforced elsewhere: RLIMIT_AS by the memory calls
// (memory.cpp), RLIMIT_NOFILE by the descriptor calls, RLIMIT_MEMLOCK by
// mlock, RLIMIT_NICE and RLIMIT_RTPRIO by the scheduling calls; the others
// are kept and reported for now.
#include <mm/address_space.h>
#include <proc/current.h>
#include <sched/mutex.h>
#include <syscall/syscall.h>
#include <syscall/syscall_args.h>

namespace {

using namespace sysargs;

static_assert(kRlimitCount == rlimit::kCount);
static_assert(kRlimInfinity == rlimit::kInfinity);

// struct rlimit and struct rlimit64 are the same on x86-64.
struct LinuxRlimit {
    u64 rlim_cur;
    u64 rlim_max;
};

// Linux's check_prlimit_permission: another process's limits are the
// caller's business when its real uid is every uid of the target and its
// real gid every gid of the target, or with privilege (CAP_SYS_RESOURCE).
bool may_access_limits(Credentials const& caller, Credentials const& target)
{
    if (caller.is_superuser())
        return true;
    return caller.uid == target.uid && caller.uid == target.euid && caller.uid == target.suid
        && caller.gid == target.gid && caller.gid == target.egid && caller.gid == target.sgid;
}

// prlimit64's work, for the process `pid` (0: the caller): the old value
// into `old_value` (if not null) after setting `new_value` (if not null).
// Linux's order: copy the new value (EFAULT), find the process (ESRCH),
// permission (EPERM), then the resource and the value (EINVAL, EPERM).
ErrorOr<long> do_prlimit(pid_t pid, u32 resource, UserPtr<LinuxRlimit const> new_value, UserPtr<LinuxRlimit> old_value)
{
    LinuxRlimit wanted {};
    bool setting = !new_value.is_null();
    if (setting)
        wanted = TRY(copy_from_user(new_value.as<LinuxRlimit>()));
    Process& self = current::process();
    Process* target = &self;
    if (pid != 0 && pid != self.pid())
        target = TRY(process::find(pid));
    ResourceLimit old {};
    ErrorOr<void> result;
    {
        MutexLocker locker(process::lock());
        Credentials const& caller = self.credentials();
        if (target != &self && !may_access_limits(caller, target->credentials()))
            result = Error::from_errno(EPERM);
        else if (resource >= kRlimitCount)
            result = Error::from_errno(EINVAL);
        else if (setting && target->is_kernel_process())
            result = Error::from_errno(EPERM); // the kernel's own processes keep theirs
        else {
            int index = static_cast<int>(resource);
            old = target->resource_limit(index);
            if (setting) {
                result = check_rlimit_change(resource, old.maximum, wanted.rlim_cur, wanted.rlim_max, caller.is_superuser());
                if (!result.is_error()) {
                    target->set_resource_limit(index, { wanted.rlim_cur, wanted.rlim_max });
                    // The stack's growth limit lives with the address space.
                    if (index == rlimit::kStack && target->address_space())
                        target->address_space()->set_stack_limit(wanted.rlim_cur);
                }
            }
        }
    }
    if (target != &self)
        target->unref();
    TRY(result);
    if (!old_value.is_null())
        TRY(copy_to_user(old_value, LinuxRlimit { old.current, old.maximum }));
    return 0;
}

ErrorOr<long> sys_getrlimit(u32 resource, UserPtr<LinuxRlimit> value)
{
    return do_prlimit(0, resource, UserPtr<LinuxRlimit const>(), value);
}
REGISTER_SYSCALL(getrlimit, sys_getrlimit);

ErrorOr<long> sys_setrlimit(u32 resource, UserPtr<LinuxRlimit const> value)
{
    if (value.is_null())
        return Error::from_errno(EFAULT);
    return do_prlimit(0, resource, value, UserPtr<LinuxRlimit>());
}
REGISTER_SYSCALL(setrlimit, sys_setrlimit);

ErrorOr<long> sys_prlimit64(pid_t pid, u32 resource, UserPtr<LinuxRlimit const> new_value, UserPtr<LinuxRlimit> old_value)
{
    return do_prlimit(pid, resource, new_value, old_value);
}
REGISTER_SYSCALL(prlimit64, sys_prlimit64);

}
