// epoll, poll, ppoll, select and pselect6 (issue 6 item 5): readiness over
// pipes, FIFOs, eventfds, timerfds, signalfds and nested epoll instances;
// level and edge triggering, EPOLLONESHOT, wake-ups from other processes
// and threads, descriptors closed while watched, and the atomic signal
// masks of epoll_pwait, ppoll and pselect6. Passes on Linux first.
#include "guest_test.h"

#include <atomic>
#include <csignal>
#include <ctime>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

namespace {

void sleep_ms(int ms)
{
    timespec pause { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) { }
}

int add(int epfd, int fd, uint32_t events, uint64_t data)
{
    epoll_event event {};
    event.events = events;
    event.data.u64 = data;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

volatile sig_atomic_t s_usr1_count;
void on_usr1(int) { s_usr1_count = s_usr1_count + 1; }

void install_usr1_handler()
{
    struct sigaction action {};
    action.sa_handler = on_usr1;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, nullptr);
    s_usr1_count = 0;
}

void block(int signal, bool blocked)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal);
    sigprocmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

bool is_blocked(int signal)
{
    sigset_t set;
    sigprocmask(SIG_BLOCK, nullptr, &set);
    return sigismember(&set, signal);
}

}

TEST(epoll_create_checks_its_arguments)
{
    EXPECT_ERRNO(epoll_create(0), EINVAL);
    EXPECT_ERRNO(epoll_create(guest_test::opaque(-1)), EINVAL);
    EXPECT_ERRNO(epoll_create1(guest_test::opaque(1)), EINVAL);
    int a = EXPECT_OK(epoll_create(1));
    EXPECT_EQ(fcntl(a, F_GETFD) & FD_CLOEXEC, 0);
    int b = EXPECT_OK(epoll_create1(EPOLL_CLOEXEC));
    EXPECT_EQ(fcntl(b, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    close(a);
    close(b);
}

TEST(epoll_ctl_reports_bad_input)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    epoll_event event {};
    event.events = EPOLLIN;
    EXPECT_ERRNO(epoll_ctl(-1, EPOLL_CTL_ADD, fds[0], &event), EBADF);
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_ADD, 999, &event), EBADF);
    EXPECT_ERRNO(epoll_ctl(fds[1], EPOLL_CTL_ADD, fds[0], &event), EINVAL); // not an epoll
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_ADD, epfd, &event), EINVAL);    // itself
    EXPECT_ERRNO(epoll_ctl(epfd, guest_test::opaque(99), fds[0], &event), EINVAL);
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], guest_test::bad_pointer<epoll_event>(16)), EFAULT);
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_MOD, fds[0], &event), ENOENT);
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_DEL, fds[0], &event), ENOENT);
    EXPECT_OK(epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], &event));
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], &event), EEXIST);
    event.events = EPOLLIN | EPOLLEXCLUSIVE;
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_MOD, fds[0], &event), EINVAL);
    EXPECT_OK(epoll_ctl(epfd, EPOLL_CTL_ADD, fds[1], &event)); // accepted with ADD
    EXPECT_OK(epoll_ctl(epfd, EPOLL_CTL_DEL, fds[0], nullptr));
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_DEL, fds[0], nullptr), ENOENT);

    // A regular file (and a directory) cannot be watched.
    char path[] = "/tmp/epoll_test_XXXXXX";
    int file = mkstemp(path);
    if (file >= 0) {
        unlink(path);
        event.events = EPOLLIN;
        EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_ADD, file, &event), EPERM);
        close(file);
    }
    int directory = EXPECT_OK(open("/", O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(epoll_ctl(epfd, EPOLL_CTL_ADD, directory, &event), EPERM);
    close(directory);
    close(fds[0]);
    close(fds[1]);
    close(epfd);
}

TEST(epoll_wait_reports_bad_input)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    epoll_event events[4];
    EXPECT_ERRNO(epoll_wait(epfd, events, 0, 0), EINVAL);
    EXPECT_ERRNO(epoll_wait(epfd, events, guest_test::opaque(-1), 0), EINVAL);
    EXPECT_ERRNO(epoll_wait(-1, events, 4, 0), EBADF);
    EXPECT_ERRNO(epoll_wait(fds[0], events, 4, 0), EINVAL);
    EXPECT_OK(add(epfd, fds[1], EPOLLOUT, 1));
    EXPECT_ERRNO(epoll_wait(epfd, guest_test::bad_pointer<epoll_event>(16), 4, 0), EFAULT);
    sigset_t mask;
    sigemptyset(&mask);
    EXPECT_ERRNO(syscall(SYS_epoll_pwait, epfd, events, 4, 0, &mask, 4), EINVAL); // sigsetsize
    close(fds[0]);
    close(fds[1]);
    close(epfd);
}

TEST(level_triggered_reports_until_drained)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(epfd, fds[0], EPOLLIN, 0x1122334455667788ull));
    epoll_event events[4];
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    EXPECT_EQ(write(fds[1], "ab", 2), 2);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1);
    EXPECT_EQ(events[0].events, EPOLLIN);
    EXPECT(events[0].data.u64 == 0x1122334455667788ull);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1); // still there
    char buffer[2];
    EXPECT_EQ(read(fds[0], buffer, 2), 2);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    close(fds[0]);
    close(fds[1]);
    close(epfd);
}

TEST(edge_triggered_reports_each_new_write_once)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(epfd, fds[0], EPOLLIN | EPOLLET, 7));
    epoll_event events[4];
    EXPECT_EQ(write(fds[1], "a", 1), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1);
    EXPECT_EQ(events[0].data.u64, 7);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0); // not drained, but no new edge
    EXPECT_EQ(write(fds[1], "b", 1), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    close(fds[0]);
    close(fds[1]);
    close(epfd);
}

TEST(oneshot_disarms_until_mod)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(epfd, fds[0], EPOLLIN | EPOLLONESHOT, 3));
    epoll_event events[4];
    EXPECT_EQ(write(fds[1], "a", 1), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    EXPECT_EQ(write(fds[1], "b", 1), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0); // still disarmed
    epoll_event again {};
    again.events = EPOLLIN | EPOLLONESHOT;
    again.data.u64 = 4;
    EXPECT_OK(epoll_ctl(epfd, EPOLL_CTL_MOD, fds[0], &again));
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1);
    EXPECT_EQ(events[0].data.u64, 4);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    close(fds[0]);
    close(fds[1]);
    close(epfd);
}

TEST(maxevents_limits_one_call_and_the_rest_follow)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int pipes[3][2];
    for (int i = 0; i < 3; ++i) {
        EXPECT_OK(pipe(pipes[i]));
        EXPECT_OK(add(epfd, pipes[i][0], EPOLLIN | EPOLLET, static_cast<uint64_t>(i)));
        EXPECT_EQ(write(pipes[i][1], "x", 1), 1);
    }
    epoll_event events[3];
    EXPECT_EQ(epoll_wait(epfd, events, 2, 0), 2);
    EXPECT_EQ(epoll_wait(epfd, events, 2, 0), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 2, 0), 0);
    for (auto& p : pipes) {
        close(p[0]);
        close(p[1]);
    }
    close(epfd);
}

TEST(hangup_and_writability_of_pipe_ends)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(epfd, fds[1], EPOLLOUT, 1));
    epoll_event events[4];
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1);
    EXPECT_EQ(events[0].events, EPOLLOUT);
    EXPECT_OK(epoll_ctl(epfd, EPOLL_CTL_DEL, fds[1], nullptr));
    EXPECT_OK(add(epfd, fds[0], EPOLLIN, 2));
    close(fds[1]);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 1000), 1);
    EXPECT((events[0].events & EPOLLHUP) != 0);
    close(fds[0]);
    close(epfd);
}

TEST(a_terminal_is_watched_for_output_room)
{
    int terminal = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (terminal < 0) {
        SKIP("no controlling terminal");
        return;
    }
    int epfd = EXPECT_OK(epoll_create1(0));
    EXPECT_OK(add(epfd, terminal, EPOLLOUT, 8));
    epoll_event events[2];
    EXPECT_EQ(epoll_wait(epfd, events, 2, 1000), 1);
    EXPECT_EQ(events[0].data.u64, 8);
    EXPECT((events[0].events & EPOLLOUT) != 0);
    close(terminal);
    close(epfd);
}

TEST(wakes_when_another_process_writes)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(epfd, fds[0], EPOLLIN, 42));
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(50);
        _exit(write(fds[1], "z", 1) == 1 ? 0 : 1);
    }
    epoll_event events[4];
    int count;
    do {
        count = epoll_wait(epfd, events, 4, -1);
    } while (count < 0 && errno == EINTR);
    EXPECT_EQ(count, 1);
    EXPECT_EQ(events[0].data.u64, 42);
    int status;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    close(fds[0]);
    close(fds[1]);
    close(epfd);
}

namespace {
int s_thread_pipe;
void* write_later(void*)
{
    sleep_ms(50);
    (void)!write(s_thread_pipe, "t", 1);
    return nullptr;
}
}

TEST(wakes_when_another_thread_writes)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(epfd, fds[0], EPOLLIN | EPOLLET, 9));
    s_thread_pipe = fds[1];
    pthread_t thread;
    EXPECT_EQ(pthread_create(&thread, nullptr, write_later, nullptr), 0);
    epoll_event events[4];
    EXPECT_EQ(epoll_wait(epfd, events, 4, 5000), 1);
    EXPECT_EQ(events[0].data.u64, 9);
    pthread_join(thread, nullptr);
    close(fds[0]);
    close(fds[1]);
    close(epfd);
}

TEST(a_fifo_is_watched_like_a_pipe)
{
    char path[] = "/tmp/epoll_fifo_XXXXXX";
    int placeholder = mkstemp(path);
    if (placeholder < 0) {
        SKIP("no writable /tmp");
        return;
    }
    close(placeholder);
    unlink(path);
    EXPECT_OK(mkfifo(path, 0600));
    int reader = EXPECT_OK(open(path, O_RDONLY | O_NONBLOCK));
    int writer = EXPECT_OK(open(path, O_WRONLY));
    unlink(path);
    int epfd = EXPECT_OK(epoll_create1(0));
    EXPECT_OK(add(epfd, reader, EPOLLIN, 5));
    epoll_event events[2];
    EXPECT_EQ(epoll_wait(epfd, events, 2, 0), 0);
    EXPECT_EQ(write(writer, "f", 1), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 2, 1000), 1);
    EXPECT_EQ(events[0].data.u64, 5);
    close(reader);
    close(writer);
    close(epfd);
}

TEST(closing_the_last_descriptor_removes_the_watch)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(epfd, fds[0], EPOLLIN, 1));
    // A duplicate keeps the description (and so the watch) alive.
    int copy = EXPECT_OK(dup(fds[0]));
    int number = fds[0];
    close(fds[0]);
    EXPECT_EQ(write(fds[1], "a", 1), 1);
    epoll_event events[4];
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1);
    close(copy);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    // The number is free for a new file, which is not watched.
    int again[2];
    EXPECT_OK(pipe(again));
    EXPECT_EQ(again[0], number);
    EXPECT_EQ(write(again[1], "b", 1), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    EXPECT_OK(add(epfd, again[0], EPOLLIN, 2));
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 1);
    EXPECT_EQ(events[0].data.u64, 2);
    close(again[0]);
    close(again[1]);
    close(fds[1]);
    close(epfd);
}

TEST(an_epoll_shared_across_fork)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(epfd, fds[0], EPOLLIN, 11));
    int status = guest_test::in_child([&] {
        // The child sees the parent's watch; closing its own copies of
        // the descriptors leaves the parent's description (and watch).
        EXPECT_EQ(write(fds[1], "c", 1), 1);
        epoll_event events[2];
        EXPECT_EQ(epoll_wait(epfd, events, 2, 1000), 1);
        EXPECT_EQ(events[0].data.u64, 11);
        close(fds[0]);
        close(epfd);
    });
    EXPECT_EXITED(status, 0);
    epoll_event events[2];
    EXPECT_EQ(epoll_wait(epfd, events, 2, 0), 1);
    char c;
    EXPECT_EQ(read(fds[0], &c, 1), 1);
    EXPECT_EQ(epoll_wait(epfd, events, 2, 0), 0);
    // Closing the epoll in the parent while a child still has it: the
    // child's copy goes on working.
    int ready[2];
    EXPECT_OK(pipe(ready));
    pid_t child = fork();
    if (child == 0) {
        char token;
        if (read(ready[0], &token, 1) != 1)
            _exit(2);
        epoll_event seen[2];
        _exit(epoll_wait(epfd, seen, 2, 1000) == 1 && seen[0].data.u64 == 11 ? 0 : 1);
    }
    close(epfd);
    EXPECT_EQ(write(fds[1], "d", 1), 1);
    EXPECT_EQ(write(ready[1], "g", 1), 1);
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    close(ready[0]);
    close(ready[1]);
    close(fds[0]);
    close(fds[1]);
}

TEST(nested_epoll_reports_the_inner_instance)
{
    int inner = EXPECT_OK(epoll_create1(0));
    int outer = EXPECT_OK(epoll_create1(0));
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_OK(add(inner, fds[0], EPOLLIN, 1));
    EXPECT_OK(add(outer, inner, EPOLLIN, 2));
    EXPECT_ERRNO(add(inner, outer, EPOLLIN, 3), ELOOP);
    epoll_event events[2];
    EXPECT_EQ(epoll_wait(outer, events, 2, 0), 0);
    pollfd entry { inner, POLLIN, 0 };
    EXPECT_EQ(poll(&entry, 1, 0), 0);
    EXPECT_EQ(write(fds[1], "n", 1), 1);
    EXPECT_EQ(epoll_wait(outer, events, 2, 1000), 1);
    EXPECT_EQ(events[0].data.u64, 2);
    EXPECT_EQ(events[0].events, EPOLLIN);
    EXPECT_EQ(poll(&entry, 1, 0), 1);
    EXPECT_EQ(entry.revents, POLLIN);
    EXPECT_EQ(epoll_wait(inner, events, 2, 0), 1);
    EXPECT_EQ(events[0].data.u64, 1);
    // A waiter on the outer instance is woken by a write from elsewhere.
    char c;
    EXPECT_EQ(read(fds[0], &c, 1), 1);
    EXPECT_EQ(epoll_wait(outer, events, 2, 0), 0);
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(50);
        _exit(write(fds[1], "m", 1) == 1 ? 0 : 1);
    }
    EXPECT_EQ(epoll_wait(outer, events, 2, 5000), 1);
    int status;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    close(fds[0]);
    close(fds[1]);
    close(outer);
    close(inner);
}

TEST(epoll_watches_eventfd_timerfd_and_signalfd)
{
    int epfd = EXPECT_OK(epoll_create1(0));
    int event = EXPECT_OK(eventfd(0, EFD_NONBLOCK));
    int timer = EXPECT_OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    int signals = EXPECT_OK(signalfd(-1, &mask, SFD_NONBLOCK));
    EXPECT_OK(add(epfd, event, EPOLLIN, 1));
    EXPECT_OK(add(epfd, timer, EPOLLIN, 2));
    EXPECT_OK(add(epfd, signals, EPOLLIN, 3));
    epoll_event events[4];
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);

    uint64_t one = 1;
    EXPECT_EQ(write(event, &one, 8), 8);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 1000), 1);
    EXPECT_EQ(events[0].data.u64, 1);
    uint64_t value;
    EXPECT_EQ(read(event, &value, 8), 8);

    itimerspec spec {};
    spec.it_value.tv_nsec = 20 * 1000000;
    EXPECT_OK(timerfd_settime(timer, 0, &spec, nullptr));
    EXPECT_EQ(epoll_wait(epfd, events, 4, 5000), 1);
    EXPECT_EQ(events[0].data.u64, 2);
    EXPECT_EQ(read(timer, &value, 8), 8);
    EXPECT_EQ(value, 1);

    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(50);
        _exit(kill(getppid(), SIGUSR2) == 0 ? 0 : 1);
    }
    EXPECT_EQ(epoll_wait(epfd, events, 4, 5000), 1);
    EXPECT_EQ(events[0].data.u64, 3);
    signalfd_siginfo info;
    EXPECT_EQ(read(signals, &info, sizeof(info)), (long)sizeof(info));
    EXPECT_EQ(info.ssi_signo, SIGUSR2);
    EXPECT_EQ(info.ssi_pid, child);
    int status;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EQ(epoll_wait(epfd, events, 4, 0), 0);
    sigprocmask(SIG_UNBLOCK, &mask, nullptr);
    close(event);
    close(timer);
    close(signals);
    close(epfd);
}

TEST(epoll_pwait_applies_its_mask_only_while_waiting)
{
    install_usr1_handler();
    block(SIGUSR1, true);
    raise(SIGUSR1); // pending, blocked
    EXPECT_EQ(s_usr1_count, 0);
    int epfd = EXPECT_OK(epoll_create1(0));
    sigset_t empty;
    sigemptyset(&empty);
    epoll_event events[2];
    EXPECT_ERRNO(epoll_pwait(epfd, events, 2, 5000, &empty), EINTR);
    EXPECT_EQ(s_usr1_count, 1); // the handler ran, under the temporary mask
    EXPECT(is_blocked(SIGUSR1)); // and the old mask is back
    // With the mask blocking it, a pending signal does not interrupt.
    raise(SIGUSR1);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    EXPECT_EQ(epoll_pwait(epfd, events, 2, 10, &usr1), 0);
    EXPECT_EQ(s_usr1_count, 1);
    timespec timeout { 0, 10 * 1000000 };
    EXPECT_EQ(syscall(SYS_epoll_pwait2, epfd, events, 2, &timeout, nullptr, 8), 0);
    block(SIGUSR1, false); // delivers the second one
    EXPECT_EQ(s_usr1_count, 2);
    signal(SIGUSR1, SIG_DFL);
    close(epfd);
}

TEST(ppoll_and_pselect_apply_their_mask_atomically)
{
    install_usr1_handler();
    block(SIGUSR1, true);
    raise(SIGUSR1);
    sigset_t empty;
    sigemptyset(&empty);
    int fds[2];
    EXPECT_OK(pipe(fds));
    pollfd entry { fds[0], POLLIN, 0 };
    timespec timeout { 5, 0 };
    EXPECT_ERRNO(ppoll(&entry, 1, &timeout, &empty), EINTR);
    EXPECT_EQ(s_usr1_count, 1);
    EXPECT(is_blocked(SIGUSR1));
    raise(SIGUSR1);
    fd_set read_set;
    FD_ZERO(&read_set);
    FD_SET(fds[0], &read_set);
    timespec select_timeout { 5, 0 };
    EXPECT_ERRNO(pselect(fds[0] + 1, &read_set, nullptr, nullptr, &select_timeout, &empty), EINTR);
    EXPECT_EQ(s_usr1_count, 2);
    EXPECT(is_blocked(SIGUSR1));
    EXPECT_ERRNO(syscall(SYS_ppoll, &entry, 1, &timeout, &empty, 4), EINVAL);
    block(SIGUSR1, false);
    signal(SIGUSR1, SIG_DFL);
    close(fds[0]);
    close(fds[1]);
}

TEST(select_and_ppoll_write_back_the_time_left)
{
    timeval timeout { 0, 20000 };
    EXPECT_EQ(select(0, nullptr, nullptr, nullptr, &timeout), 0);
    EXPECT_EQ(timeout.tv_sec, 0);
    EXPECT_EQ(timeout.tv_usec, 0);
    timespec left { 0, 20 * 1000000 };
    EXPECT_EQ(syscall(SYS_ppoll, nullptr, 0, &left, nullptr, 8), 0);
    EXPECT_EQ(left.tv_sec, 0);
    EXPECT_EQ(left.tv_nsec, 0);
    // Ready at once: most of the time is left.
    int fds[2];
    EXPECT_OK(pipe(fds));
    fd_set write_set;
    FD_ZERO(&write_set);
    FD_SET(fds[1], &write_set);
    timeval long_timeout { 100, 0 };
    EXPECT_EQ(select(fds[1] + 1, nullptr, &write_set, nullptr, &long_timeout), 1);
    EXPECT_GE(long_timeout.tv_sec, 50);
    close(fds[0]);
    close(fds[1]);
}

TEST(poll_and_select_reject_bad_descriptors)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    close(fds[1]);
    pollfd entries[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
    EXPECT_EQ(poll(entries, 2, 0), 2);
    EXPECT_EQ(entries[0].revents, POLLHUP);
    EXPECT_EQ(entries[1].revents, POLLNVAL);
    entries[1].fd = -1; // negative: ignored
    EXPECT_EQ(poll(entries, 2, 0), 1);
    EXPECT_EQ(entries[1].revents, 0);
    fd_set read_set;
    FD_ZERO(&read_set);
    FD_SET(fds[1], &read_set);
    timeval zero { 0, 0 };
    EXPECT_ERRNO(select(fds[1] + 1, &read_set, nullptr, nullptr, &zero), EBADF);
    EXPECT_ERRNO(select(-1, nullptr, nullptr, nullptr, &zero), EINVAL);
    EXPECT_ERRNO(poll(guest_test::bad_pointer<pollfd>(16), 1, 0), EFAULT);
    rlimit limit;
    EXPECT_OK(getrlimit(RLIMIT_NOFILE, &limit));
    EXPECT_ERRNO(poll(entries, limit.rlim_cur + 1, 0), EINVAL);
    close(fds[0]);
}

namespace {
std::atomic<bool> s_stop_waiting;
int s_race_epoll;
void* wait_in_a_loop(void*)
{
    epoll_event events[8];
    while (!s_stop_waiting) {
        int count = epoll_wait(s_race_epoll, events, 8, 1);
        for (int i = 0; i < count; ++i) {
            char buffer[8];
            (void)!read(static_cast<int>(events[i].data.u64), buffer, sizeof(buffer));
        }
    }
    return nullptr;
}
}

TEST(closing_watched_files_while_another_thread_waits)
{
    // One thread reports and drains while the other adds, writes and
    // closes: a watch must be released safely whatever the waiter is
    // doing with it at that moment.
    s_race_epoll = EXPECT_OK(epoll_create1(0));
    s_stop_waiting = false;
    pthread_t waiter;
    EXPECT_EQ(pthread_create(&waiter, nullptr, wait_in_a_loop, nullptr), 0);
    for (int round = 0; round < 200; ++round) {
        int fds[2];
        EXPECT_OK(pipe2(fds, O_NONBLOCK));
        EXPECT_OK(add(s_race_epoll, fds[0], (round & 1) ? (EPOLLIN | EPOLLET) : EPOLLIN, static_cast<uint64_t>(fds[0])));
        EXPECT_EQ(write(fds[1], "r", 1), 1);
        if (round % 3 == 0)
            sched_yield();
        close(fds[0]);
        close(fds[1]);
    }
    s_stop_waiting = true;
    pthread_join(waiter, nullptr);
    epoll_event events[8];
    EXPECT_EQ(epoll_wait(s_race_epoll, events, 8, 0), 0);
    close(s_race_epoll);
}

TEST(exiting_processes_leave_no_watches_or_timers_behind)
{
    // Children that die holding epoll watches on a pipe the parent keeps,
    // and armed periodic POSIX timers: afterwards the pipe's hooks and the
    // timers must be gone (a leftover would run on freed memory when the
    // parent writes or the timer fires).
    int fds[2];
    EXPECT_OK(pipe(fds));
    for (int round = 0; round < 8; ++round) {
        pid_t child = fork();
        if (child == 0) {
            int epfd = epoll_create1(0);
            int nested = epoll_create1(0);
            if (add(epfd, fds[0], EPOLLIN | EPOLLET, 1) != 0 || add(nested, epfd, EPOLLIN, 2) != 0)
                _exit(1);
            sigevent event {};
            event.sigev_notify = SIGEV_SIGNAL;
            event.sigev_signo = SIGUSR2;
            sigset_t mask;
            sigemptyset(&mask);
            sigaddset(&mask, SIGUSR2);
            sigprocmask(SIG_BLOCK, &mask, nullptr);
            int id = -1;
            if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &event, &id) != 0)
                _exit(2);
            itimerspec spec {};
            spec.it_value.tv_nsec = 1000000;
            spec.it_interval.tv_nsec = 1000000;
            if (syscall(SYS_timer_settime, id, 0, &spec, nullptr) != 0)
                _exit(3);
            sleep_ms(5);
            _exit(0); // nothing closed or deleted by hand
        }
        int status;
        EXPECT_EQ(waitpid(child, &status, 0), child);
        EXPECT_EXITED(status, 0);
        EXPECT_EQ(write(fds[1], "w", 1), 1);
    }
    sleep_ms(20);
    char buffer[16];
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 8);
    close(fds[0]);
    close(fds[1]);
}

int main() { return guest_test::run_tests(); }
