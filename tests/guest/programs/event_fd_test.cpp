// eventfd, timerfd, signalfd and POSIX timers (issue 6 item 5, issue 5's
// signalfd4): their reads, blocking and non-blocking, flags, errno for bad
// input, and the signals POSIX timers send. Passes on Linux first.
#include "guest_test.h"

#include <atomic>
#include <cstdint>
#include <csignal>
#include <ctime>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

namespace {

void sleep_ms(int ms)
{
    timespec pause { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) { }
}

short revents(int fd, short events)
{
    pollfd entry { fd, events, 0 };
    return poll(&entry, 1, 0) == 1 ? entry.revents : 0;
}

// The raw timer syscalls: the kernel's timer ids and errno, with no C
// library bookkeeping in between.
long timer_create_raw(clockid_t clock, sigevent* event, int* id) { return syscall(SYS_timer_create, clock, event, id); }
long timer_settime_raw(int id, int flags, itimerspec const* spec, itimerspec* old)
{
    return syscall(SYS_timer_settime, id, flags, spec, old);
}
long timer_gettime_raw(int id, itimerspec* spec) { return syscall(SYS_timer_gettime, id, spec); }
long timer_getoverrun_raw(int id) { return syscall(SYS_timer_getoverrun, id); }
long timer_delete_raw(int id) { return syscall(SYS_timer_delete, id); }

itimerspec after_ms(long ms, long interval_ms = 0)
{
    itimerspec spec {};
    spec.it_value.tv_sec = ms / 1000;
    spec.it_value.tv_nsec = (ms % 1000) * 1000000L;
    spec.it_interval.tv_sec = interval_ms / 1000;
    spec.it_interval.tv_nsec = (interval_ms % 1000) * 1000000L;
    return spec;
}

}

// ---- eventfd ----

TEST(eventfd_counts_writes_and_read_empties_it)
{
    int fd = EXPECT_OK(eventfd(5, EFD_NONBLOCK));
    uint64_t value = 0;
    EXPECT_EQ(read(fd, &value, 8), 8);
    EXPECT_EQ(value, 5);
    EXPECT_ERRNO(read(fd, &value, 8), EAGAIN);
    EXPECT_EQ(revents(fd, POLLIN | POLLOUT), POLLOUT);
    value = 3;
    EXPECT_EQ(write(fd, &value, 8), 8);
    value = 4;
    EXPECT_EQ(write(fd, &value, 8), 8);
    EXPECT_EQ(revents(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
    uint64_t pair[2] = { 0, 0 };
    EXPECT_EQ(read(fd, pair, 16), 8); // a bigger buffer still gets 8 bytes
    EXPECT_EQ(pair[0], 7);
    close(fd);
}

TEST(eventfd_semaphore_mode_hands_out_ones)
{
    int fd = EXPECT_OK(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK));
    uint64_t value;
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(read(fd, &value, 8), 8);
        EXPECT_EQ(value, 1);
    }
    EXPECT_ERRNO(read(fd, &value, 8), EAGAIN);
    close(fd);
}

TEST(eventfd_rejects_bad_input)
{
    EXPECT_ERRNO(eventfd(0, guest_test::opaque(0x10)), EINVAL);
    int fd = EXPECT_OK(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    uint64_t value = 1;
    EXPECT_ERRNO(read(fd, &value, 4), EINVAL);
    EXPECT_ERRNO(write(fd, &value, 4), EINVAL);
    value = UINT64_MAX;
    EXPECT_ERRNO(write(fd, &value, 8), EINVAL);
    EXPECT_ERRNO(write(fd, guest_test::bad_pointer<void>(16), 8), EFAULT);
    value = 2;
    EXPECT_EQ(write(fd, &value, 8), 8);
    EXPECT_ERRNO(read(fd, guest_test::bad_pointer<void>(16), 8), EFAULT);
    close(fd);
}

TEST(eventfd_write_waits_while_the_counter_would_overflow)
{
    int fd = EXPECT_OK(eventfd(0, EFD_NONBLOCK));
    uint64_t value = 0xfffffffffffffffeull;
    EXPECT_EQ(write(fd, &value, 8), 8);
    EXPECT_EQ(revents(fd, POLLIN | POLLOUT), POLLIN);
    value = 1;
    EXPECT_ERRNO(write(fd, &value, 8), EAGAIN);
    // A blocking writer in another process (a second, blocking eventfd
    // could not share the counter, so the child waits with poll for
    // POLLOUT) goes on once the parent reads.
    pid_t child = fork();
    if (child == 0) {
        uint64_t one = 1;
        pollfd entry { fd, POLLOUT, 0 };
        if (poll(&entry, 1, 5000) != 1)
            _exit(1);
        _exit(write(fd, &one, 8) == 8 ? 0 : 2);
    }
    sleep_ms(30);
    EXPECT_EQ(read(fd, &value, 8), 8);
    EXPECT_EQ(value, 0xfffffffffffffffeull);
    int status;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(read(fd, &value, 8), 8);
    EXPECT_EQ(value, 1);
    close(fd);
}

namespace {
int s_event_fd;
void* post_later(void*)
{
    sleep_ms(40);
    uint64_t one = 1;
    (void)!write(s_event_fd, &one, 8);
    return nullptr;
}
}

TEST(eventfd_blocking_read_wakes_on_write_from_a_thread)
{
    s_event_fd = EXPECT_OK(eventfd(0, 0));
    pthread_t thread;
    EXPECT_EQ(pthread_create(&thread, nullptr, post_later, nullptr), 0);
    uint64_t value = 0;
    EXPECT_EQ(read(s_event_fd, &value, 8), 8);
    EXPECT_EQ(value, 1);
    pthread_join(thread, nullptr);
    close(s_event_fd);
}

// ---- timerfd ----

TEST(timerfd_rejects_bad_input)
{
    EXPECT_ERRNO(timerfd_create(guest_test::opaque(99), 0), EINVAL);
    EXPECT_ERRNO(timerfd_create(CLOCK_MONOTONIC, guest_test::opaque(0x10)), EINVAL);
    int fd = EXPECT_OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    itimerspec spec = after_ms(10);
    EXPECT_ERRNO(timerfd_settime(-1, 0, &spec, nullptr), EBADF);
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_ERRNO(timerfd_settime(fds[0], 0, &spec, nullptr), EINVAL);
    EXPECT_ERRNO(timerfd_gettime(fds[0], &spec), EINVAL);
    EXPECT_ERRNO(timerfd_settime(fd, guest_test::opaque(0x10), &spec, nullptr), EINVAL);
    spec.it_value.tv_nsec = 1000000000;
    EXPECT_ERRNO(timerfd_settime(fd, 0, &spec, nullptr), EINVAL);
    EXPECT_ERRNO(timerfd_settime(fd, 0, guest_test::bad_pointer<itimerspec>(16), nullptr), EFAULT);
    EXPECT_ERRNO(timerfd_gettime(fd, guest_test::bad_pointer<itimerspec>(16)), EFAULT);
    uint64_t ticks;
    EXPECT_ERRNO(read(fd, &ticks, 8), EAGAIN); // disarmed
    EXPECT_ERRNO(read(fd, &ticks, 4), EINVAL);
    close(fds[0]);
    close(fds[1]);
    close(fd);
}

TEST(timerfd_one_shot_expires_once)
{
    int fd = EXPECT_OK(timerfd_create(CLOCK_MONOTONIC, 0));
    // Armed far away, it shows time left (no timing assumption: 100 s).
    itimerspec spec = after_ms(100000);
    EXPECT_OK(timerfd_settime(fd, 0, &spec, nullptr));
    itimerspec now {};
    EXPECT_OK(timerfd_gettime(fd, &now));
    EXPECT(now.it_value.tv_sec != 0 || now.it_value.tv_nsec != 0);
    EXPECT_LE(now.it_value.tv_sec, 100);
    spec = after_ms(20);
    EXPECT_OK(timerfd_settime(fd, 0, &spec, nullptr));
    uint64_t ticks = 0;
    EXPECT_EQ(read(fd, &ticks, 8), 8); // blocks until it expires
    EXPECT_EQ(ticks, 1);
    EXPECT_OK(timerfd_gettime(fd, &now));
    EXPECT_EQ(now.it_value.tv_sec, 0);
    EXPECT_EQ(now.it_value.tv_nsec, 0);
    EXPECT_EQ(revents(fd, POLLIN), 0);
    close(fd);
}

TEST(timerfd_periodic_counts_every_interval)
{
    int fd = EXPECT_OK(timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK));
    itimerspec spec = after_ms(10, 10);
    itimerspec old {};
    EXPECT_OK(timerfd_settime(fd, 0, &spec, &old));
    EXPECT_EQ(old.it_value.tv_nsec, 0);
    // One read returns every interval that passed since the last one.
    // Sleeping several intervals between reads shows it without any bound
    // on how late the timer interrupt may come.
    uint64_t ticks = 0;
    uint64_t most = 0;
    for (int i = 0; i < 50 && most < 2; ++i) {
        sleep_ms(50);
        if (read(fd, &ticks, 8) == 8 && ticks > most)
            most = ticks;
    }
    EXPECT_GE(most, 2);
    itimerspec now {};
    EXPECT_OK(timerfd_gettime(fd, &now));
    EXPECT_EQ(now.it_interval.tv_nsec, 10000000);
    // Disarming: the old setting comes back, nothing more expires.
    itimerspec off {};
    EXPECT_OK(timerfd_settime(fd, 0, &off, &old));
    EXPECT_EQ(old.it_interval.tv_nsec, 10000000);
    EXPECT_ERRNO(read(fd, &ticks, 8), EAGAIN);
    close(fd);
}

TEST(timerfd_absolute_realtime_deadline)
{
    int fd = EXPECT_OK(timerfd_create(CLOCK_REALTIME, 0));
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    itimerspec spec {};
    spec.it_value = now;
    spec.it_value.tv_nsec += 20000000;
    if (spec.it_value.tv_nsec >= 1000000000) {
        spec.it_value.tv_nsec -= 1000000000;
        ++spec.it_value.tv_sec;
    }
    EXPECT_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, nullptr));
    uint64_t ticks = 0;
    EXPECT_EQ(read(fd, &ticks, 8), 8);
    EXPECT_EQ(ticks, 1);
    // A deadline already past expires at once.
    spec.it_value.tv_sec = 1;
    spec.it_value.tv_nsec = 0;
    EXPECT_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, nullptr));
    EXPECT_EQ(read(fd, &ticks, 8), 8);
    EXPECT_EQ(ticks, 1);
    close(fd);
}

// ---- signalfd ----

TEST(signalfd_reads_a_pending_signal_with_its_sender)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    int fd = EXPECT_OK(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    signalfd_siginfo info {};
    EXPECT_ERRNO(read(fd, &info, sizeof(info)), EAGAIN);
    EXPECT_EQ(revents(fd, POLLIN), 0);
    pid_t child = fork();
    if (child == 0)
        _exit(kill(getppid(), SIGUSR1) == 0 ? 0 : 1);
    int status;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EQ(revents(fd, POLLIN), POLLIN);
    EXPECT_EQ(read(fd, &info, sizeof(info)), (long)sizeof(info));
    EXPECT_EQ(info.ssi_signo, SIGUSR1);
    EXPECT_EQ(info.ssi_code, SI_USER);
    EXPECT_EQ(info.ssi_pid, child);
    EXPECT_EQ(info.ssi_uid, getuid());
    // Consumed: no longer pending.
    sigset_t pending;
    sigpending(&pending);
    EXPECT(!sigismember(&pending, SIGUSR1));
    EXPECT_ERRNO(read(fd, &info, sizeof(info)), EAGAIN);
    close(fd);
    sigprocmask(SIG_UNBLOCK, &mask, nullptr);
}

TEST(signalfd_mask_can_change_and_reads_queued_values)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    sigset_t only_usr1;
    sigemptyset(&only_usr1);
    sigaddset(&only_usr1, SIGUSR1);
    int fd = EXPECT_OK(signalfd(-1, &only_usr1, SFD_NONBLOCK));
    union sigval value;
    value.sival_int = 1234;
    EXPECT_OK(sigqueue(getpid(), SIGRTMIN, value));
    value.sival_int = 5678;
    EXPECT_OK(sigqueue(getpid(), SIGRTMIN, value));
    signalfd_siginfo info[3] {};
    EXPECT_ERRNO(read(fd, info, sizeof(info)), EAGAIN); // not in its mask
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    EXPECT_EQ(signalfd(fd, &rt, 0), fd);
    // Both queued instances in one read, in order, with their values.
    EXPECT_EQ(read(fd, info, sizeof(info)), (long)(2 * sizeof(signalfd_siginfo)));
    EXPECT_EQ(info[0].ssi_signo, (uint32_t)SIGRTMIN);
    EXPECT_EQ(info[0].ssi_code, SI_QUEUE);
    EXPECT_EQ(info[0].ssi_int, 1234);
    EXPECT_EQ(info[1].ssi_int, 5678);
    EXPECT_EQ(info[0].ssi_pid, getpid());
    close(fd);
    sigprocmask(SIG_UNBLOCK, &mask, nullptr);
}

TEST(signalfd_blocking_read_waits_for_a_signal)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    int fd = EXPECT_OK(signalfd(-1, &mask, 0));
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(40);
        _exit(kill(getppid(), SIGUSR2) == 0 ? 0 : 1);
    }
    signalfd_siginfo info {};
    EXPECT_EQ(read(fd, &info, sizeof(info)), (long)sizeof(info));
    EXPECT_EQ(info.ssi_signo, SIGUSR2);
    EXPECT_EQ(info.ssi_pid, child);
    int status;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    close(fd);
    sigprocmask(SIG_UNBLOCK, &mask, nullptr);
}

TEST(signalfd_rejects_bad_input)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    EXPECT_ERRNO(syscall(SYS_signalfd4, -1, &mask, 4, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_signalfd4, -1, &mask, 8, 0x10), EINVAL);
    EXPECT_ERRNO(syscall(SYS_signalfd4, -1, guest_test::bad_pointer<void>(16), 8, 0), EFAULT);
    EXPECT_ERRNO(signalfd(999, &mask, 0), EBADF);
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_ERRNO(signalfd(fds[0], &mask, 0), EINVAL);
    int fd = EXPECT_OK(signalfd(-1, &mask, SFD_NONBLOCK));
    char small[64];
    EXPECT_ERRNO(read(fd, small, sizeof(small)), EINVAL);
    close(fd);
    close(fds[0]);
    close(fds[1]);
}

// ---- POSIX timers ----

namespace {
std::atomic<int> s_timer_signals;
std::atomic<int> s_timer_value;
std::atomic<int> s_timer_code;
void on_timer(int, siginfo_t* info, void*)
{
    s_timer_value = info->si_value.sival_int;
    s_timer_code = info->si_code;
    ++s_timer_signals;
}
void handle(int signal)
{
    struct sigaction action {};
    action.sa_sigaction = on_timer;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, nullptr);
    s_timer_signals = 0;
}
void wait_for_signals(int count)
{
    for (int i = 0; i < 500 && s_timer_signals < count; ++i)
        sleep_ms(10);
}
}

TEST(posix_timer_sends_its_signal_with_sigev_value)
{
    handle(SIGRTMIN);
    sigevent event {};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGRTMIN;
    event.sigev_value.sival_int = 0x5151;
    int id = -1;
    EXPECT_OK(timer_create_raw(CLOCK_MONOTONIC, &event, &id));
    EXPECT_GE(id, 0);
    itimerspec spec = after_ms(20);
    EXPECT_OK(timer_settime_raw(id, 0, &spec, nullptr));
    wait_for_signals(1);
    EXPECT_EQ(s_timer_signals, 1);
    EXPECT_EQ(s_timer_value, 0x5151);
    EXPECT_EQ(s_timer_code, SI_TIMER);
    itimerspec now {};
    EXPECT_OK(timer_gettime_raw(id, &now));
    EXPECT_EQ(now.it_value.tv_sec, 0);
    EXPECT_EQ(now.it_value.tv_nsec, 0);
    EXPECT_OK(timer_delete_raw(id));
    EXPECT_ERRNO(timer_gettime_raw(id, &now), EINVAL);
    signal(SIGRTMIN, SIG_DFL);
}

TEST(posix_timer_defaults_to_sigalrm_with_its_id)
{
    handle(SIGALRM);
    int id = -1;
    EXPECT_OK(timer_create_raw(CLOCK_REALTIME, nullptr, &id));
    itimerspec spec = after_ms(10);
    EXPECT_OK(timer_settime_raw(id, 0, &spec, nullptr));
    wait_for_signals(1);
    EXPECT_EQ(s_timer_signals, 1);
    EXPECT_EQ(s_timer_value, id);
    EXPECT_OK(timer_delete_raw(id));
    signal(SIGALRM, SIG_DFL);
}

TEST(posix_timer_counts_overruns_while_its_signal_is_pending)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    sigevent event {};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGRTMIN + 1;
    event.sigev_value.sival_int = 77;
    int id = -1;
    EXPECT_OK(timer_create_raw(CLOCK_MONOTONIC, &event, &id));
    itimerspec spec = after_ms(5, 5);
    EXPECT_OK(timer_settime_raw(id, 0, &spec, nullptr));
    sleep_ms(200); // forty intervals: at least two expiries land on one pending signal
    siginfo_t info {};
    timespec zero { 0, 0 };
    EXPECT_EQ(sigtimedwait(&mask, &info, &zero), SIGRTMIN + 1);
    EXPECT_EQ(info.si_code, SI_TIMER);
    EXPECT_EQ(info.si_value.sival_int, 77);
    EXPECT_GE(info.si_overrun, 1); // one signal for many expiries
    EXPECT_EQ(timer_getoverrun_raw(id), info.si_overrun);
    EXPECT_OK(timer_delete_raw(id));
    // The timer's pending signal (if it fired again) went with it.
    sleep_ms(20);
    EXPECT_ERRNO(sigtimedwait(&mask, &info, &zero), EAGAIN);
    sigprocmask(SIG_UNBLOCK, &mask, nullptr);
}

TEST(posix_timer_sigev_none_and_thread_id)
{
    sigevent event {};
    event.sigev_notify = SIGEV_NONE;
    int id = -1;
    EXPECT_OK(timer_create_raw(CLOCK_MONOTONIC, &event, &id));
    itimerspec spec = after_ms(100000);
    EXPECT_OK(timer_settime_raw(id, 0, &spec, nullptr));
    itimerspec now {};
    EXPECT_OK(timer_gettime_raw(id, &now));
    EXPECT_GT(now.it_value.tv_sec * 1000000000L + now.it_value.tv_nsec, 0);
    EXPECT_LE(now.it_value.tv_sec, 100);
    EXPECT_OK(timer_delete_raw(id));

    handle(SIGUSR1);
    event = {};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGUSR1;
    event._sigev_un._tid = gettid();
    event.sigev_value.sival_int = 31;
    EXPECT_OK(timer_create_raw(CLOCK_MONOTONIC, &event, &id));
    spec = after_ms(10);
    EXPECT_OK(timer_settime_raw(id, 0, &spec, nullptr));
    wait_for_signals(1);
    EXPECT_EQ(s_timer_value, 31);
    EXPECT_OK(timer_delete_raw(id));
    signal(SIGUSR1, SIG_DFL);
}

TEST(posix_timers_reject_bad_input)
{
    int id = -1;
    sigevent event {};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR1;
    EXPECT_ERRNO(timer_create_raw(guest_test::opaque(99), &event, &id), EINVAL);
    event.sigev_notify = 99;
    EXPECT_ERRNO(timer_create_raw(CLOCK_MONOTONIC, &event, &id), EINVAL);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = 0;
    EXPECT_ERRNO(timer_create_raw(CLOCK_MONOTONIC, &event, &id), EINVAL);
    event.sigev_signo = 65;
    EXPECT_ERRNO(timer_create_raw(CLOCK_MONOTONIC, &event, &id), EINVAL);
    event.sigev_signo = SIGUSR1;
    event.sigev_notify = SIGEV_THREAD_ID;
    event._sigev_un._tid = 999999;
    EXPECT_ERRNO(timer_create_raw(CLOCK_MONOTONIC, &event, &id), EINVAL);
    event.sigev_notify = SIGEV_SIGNAL;
    EXPECT_ERRNO(timer_create_raw(CLOCK_MONOTONIC, guest_test::bad_pointer<sigevent>(16), &id), EFAULT);
    itimerspec spec = after_ms(10);
    EXPECT_ERRNO(timer_settime_raw(12345, 0, &spec, nullptr), EINVAL);
    EXPECT_ERRNO(timer_gettime_raw(12345, &spec), EINVAL);
    EXPECT_ERRNO(timer_getoverrun_raw(12345), EINVAL);
    EXPECT_ERRNO(timer_delete_raw(12345), EINVAL);
    EXPECT_OK(timer_create_raw(CLOCK_MONOTONIC, &event, &id));
    spec.it_value.tv_nsec = -1;
    EXPECT_ERRNO(timer_settime_raw(id, 0, &spec, nullptr), EINVAL);
    EXPECT_ERRNO(timer_settime_raw(id, 0, guest_test::bad_pointer<itimerspec>(16), nullptr), EFAULT);
    EXPECT_OK(timer_delete_raw(id));
}

int main() { return guest_test::run_tests(); }
