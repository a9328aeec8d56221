// PID allocation (pid.h): a bitmap searched cyclically from the last PID
// handed out, and the kernel's one instance of it under a spinlock.
#include <arch/x86_64/spinlock.h>
#include <lib/cmdline.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <mm/kmalloc.h>
#include <proc/pid.h>

PidAllocator::PidAllocator(u64* storage, u32 pid_max)
    : m_bitmap(storage, pid_max)
    , m_pid_max(pid_max)
{
    VERIFY(pid_max >= 2);
    m_bitmap.fill(false);
    m_bitmap.set(pid::kIdlePid);
}

ErrorOr<pid_t> PidAllocator::allocate()
{
    // Linux's alloc_pid: once the cursor has passed the reserved range, a
    // wrap restarts at RESERVED_PIDS instead of 1.
    u32 cursor = static_cast<u32>(m_last) + 1;
    u32 floor = cursor > pid::kReservedPids ? pid::kReservedPids : 1;
    u32 start = cursor < floor ? floor : cursor;
    usize found = start < m_pid_max ? m_bitmap.find_first_clear(start) : BitmapView::npos;
    if (found == BitmapView::npos)
        found = m_bitmap.find_first_clear(floor);
    if (found == BitmapView::npos)
        return Error::from_errno(EAGAIN);
    m_bitmap.set(found);
    ++m_in_use;
    m_last = static_cast<pid_t>(found);
    return m_last;
}

ErrorOr<void> PidAllocator::allocate_specific(pid_t wanted)
{
    if (wanted <= 0 || static_cast<u32>(wanted) >= m_pid_max)
        return Error::from_errno(EINVAL);
    if (m_bitmap.test_and_set(static_cast<usize>(wanted)))
        return Error::from_errno(EEXIST);
    ++m_in_use;
    return {};
}

void PidAllocator::release(pid_t released)
{
    VERIFY(released > 0 && static_cast<u32>(released) < m_pid_max);
    VERIFY(m_bitmap.test(static_cast<usize>(released)));
    m_bitmap.clear(static_cast<usize>(released));
    --m_in_use;
}

bool PidAllocator::is_allocated(pid_t candidate) const
{
    if (candidate < 0 || static_cast<u32>(candidate) >= m_pid_max)
        return false;
    return m_bitmap.test(static_cast<usize>(candidate));
}

namespace pid {

namespace {

// Constructed in place by init(): the bitmap's size comes from the
// command line, so the allocator cannot be an ordinary global.
alignas(PidAllocator) u8 s_allocator_storage[sizeof(PidAllocator)];
PidAllocator* s_allocator;
Spinlock s_lock { "pid allocator" };

PidAllocator& allocator()
{
    VERIFY(s_allocator);
    return *s_allocator;
}

}

void init()
{
    VERIFY(!s_allocator);
    i64 wanted = cmdline::get_int("pid_max", kDefaultPidMax);
    u32 pid_max = static_cast<u32>(wanted < kPidMaxMin ? kPidMaxMin : wanted > kPidMaxLimit ? kPidMaxLimit : wanted);
    if (pid_max != wanted)
        log_warn("pid: pid_max=%ld is outside %u..%u, using %u", static_cast<long>(wanted), kPidMaxMin, kPidMaxLimit, pid_max);
    usize bytes = PidAllocator::storage_words(pid_max) * sizeof(u64);
    auto* storage = static_cast<u64*>(kmalloc(bytes));
    if (!storage)
        panic("pid: no memory for the bitmap of %u PIDs (%zu bytes)", pid_max, bytes);
    s_allocator = new (s_allocator_storage) PidAllocator(storage, pid_max);
    log_info("pid: pid_max %u (%zu-byte bitmap), PID 0 is the idle tasks", pid_max, bytes);
}

ErrorOr<pid_t> allocate()
{
    SpinlockLocker locker(s_lock);
    return allocator().allocate();
}

ErrorOr<void> allocate_specific(pid_t wanted)
{
    SpinlockLocker locker(s_lock);
    return allocator().allocate_specific(wanted);
}

void release(pid_t released)
{
    SpinlockLocker locker(s_lock);
    allocator().release(released);
}

u32 max()
{
    SpinlockLocker locker(s_lock);
    return allocator().pid_max();
}

u32 in_use()
{
    SpinlockLocker locker(s_lock);
    return allocator().in_use();
}

bool is_allocated(pid_t pid)
{
    SpinlockLocker locker(s_lock);
    return allocator().is_allocated(pid);
}

pid_t last_allocated()
{
    SpinlockLocker locker(s_lock);
    return allocator().last_allocated();
}

}
