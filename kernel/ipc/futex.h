// Futexes (CONCEPTS E3 in user space): the kernel half of every user-space
// mutex, condition variable and thread join in glibc and musl. A user word
// is the lock; the kernel only keeps the queue of threads sleeping until
// the word changes. WAIT sleeps if the word still holds the expected value
// (checked under the queue's lock, so a WAKE between the user's check and
// the sleep is never lost); WAKE wakes up to N sleepers on the same word.
//
// Keys: a private futex (FUTEX_PRIVATE_FLAG, threads of one process) is
// (address space, virtual address); a shared one in a shared mapping is
// the physical address of the word, so unrelated processes mapping the
// same object (a /dev/shm file, MAP_SHARED across fork) meet on it: what
// process-shared pthread mutexes and condition variables and sem_open's
// named semaphores need. A shared one in private memory is keyed like a
// private one (its page may be copied on write; no other process sees it).
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

namespace futex {

// Linux's operations and flags.
constexpr int kWait = 0;
constexpr int kWake = 1;
constexpr int kRequeue = 3;
constexpr int kCmpRequeue = 4;
constexpr int kWakeOp = 5;
constexpr int kWaitBitset = 9;
constexpr int kWakeBitset = 10;
constexpr int kPrivateFlag = 128;
constexpr int kClockRealtime = 256;
constexpr u32 kBitsetMatchAny = 0xffffffff;

// Sleeps while the word at `address` equals `expected`, until woken
// (with a matching bitset) or `deadline_ns` (monotonic, 0 = none).
// EAGAIN when the word differs, ETIMEDOUT, EINTR, EFAULT, EINVAL (unaligned
// address, empty bitset).
ErrorOr<void> wait(VirtAddr address, u32 expected, bool is_private, u64 deadline_ns, u32 bitset = kBitsetMatchAny);
// Wakes up to `count` waiters whose bitset meets `bitset`; returns how many.
ErrorOr<usize> wake(VirtAddr address, usize count, bool is_private, u32 bitset = kBitsetMatchAny);
// Wakes up to `wake_count` waiters on `address` and moves up to
// `requeue_count` more to `target`. With `check`, first EAGAIN unless the
// word at `address` equals `expected` (CMP_REQUEUE). Returns woken +
// moved, for both (what Linux returns, whatever its man page says).
ErrorOr<usize> requeue(VirtAddr address, usize wake_count, VirtAddr target, usize requeue_count, bool is_private,
    bool check, u32 expected);
// FUTEX_WAKE_OP: atomically applies `encoded_op` to the word at `target`,
// wakes up to `count` on `address`, and up to `count2` on `target` if the
// old value met the op's comparison.
ErrorOr<usize> wake_op(VirtAddr address, usize count, VirtAddr target, usize count2, u32 encoded_op, bool is_private);

}
